import { api, type Video } from '../api';
import { linkProps } from '../router';
import { useT } from '../i18n';

export function VideoCard({ video, onChange }: { video: Video; onChange: (v: Video) => void }) {
  const t = useT();
  const like = async () => {
    const r = await api<{ liked: boolean; likes: number }>(video.liked ? 'DELETE' : 'POST', `/api/videos/${video.id}/like`);
    onChange({ ...video, liked: r.liked, likes: r.likes });
  };
  return (
    <li className="card video-card" data-video-id={video.id}>
      <a {...linkProps(`/v/${video.id}`)} aria-label={t('card.open', { prompt: video.prompt })}>
        {video.poster_url ? <img src={video.poster_url} alt="" loading="lazy" /> : <div className="thumb empty" />}
      </a>
      <p className="prompt" translate="no">{video.prompt}</p>
      <p className="meta">
        {t.rich('player.by', { author: <span key="a" translate="no">{video.author}</span> })} · {t('count.views', { n: video.views })}{video.remixed_from ? t('card.remix') : ''}{!video.published ? t('card.private') : ''}
      </p>
      {video.published && (
        <button type="button" aria-pressed={video.liked} onClick={() => void like()} aria-label={t(video.liked ? 'card.unlikeLabel' : 'card.likeLabel', { prompt: video.prompt })}>
          {t(video.liked ? 'card.unlike' : 'card.like')} · {video.likes}
        </button>
      )}
    </li>
  );
}
