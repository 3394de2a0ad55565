import { api, type Video } from '../api';
import { linkProps } from '../router';
import { count } from '../progress-words';

export function VideoCard({ video, onChange }: { video: Video; onChange: (v: Video) => void }) {
  const like = async () => {
    const r = await api<{ liked: boolean; likes: number }>(video.liked ? 'DELETE' : 'POST', `/api/videos/${video.id}/like`);
    onChange({ ...video, liked: r.liked, likes: r.likes });
  };
  return (
    <li className="card video-card" data-video-id={video.id}>
      <a {...linkProps(`/v/${video.id}`)} aria-label={`Open “${video.prompt}”`}>
        {video.poster_url ? <img src={video.poster_url} alt="" loading="lazy" /> : <div className="thumb empty" />}
      </a>
      <p className="prompt">{video.prompt}</p>
      <p className="meta">
        by {video.author} · {count(video.views, 'view')}{video.remixed_from ? ' · remix' : ''}{!video.published ? ' · private' : ''}
      </p>
      {video.published && (
        <button type="button" aria-pressed={video.liked} onClick={() => void like()} aria-label={`${video.liked ? 'Unlike' : 'Like'} “${video.prompt}”`}>
          {video.liked ? '♥ Unlike' : '♡ Like'} · {video.likes}
        </button>
      )}
    </li>
  );
}
