import { useEffect, useRef, useState } from 'react';
import { api, type Video } from '../api';
import { linkProps, navigate } from '../router';

export function PlayerPage({ id }: { id: string }) {
  const [video, setVideo] = useState<Video | null>(null);
  const [error, setError] = useState<string | null>(null);
  const counted = useRef(false);

  useEffect(() => {
    counted.current = false;
    void api<Video>('GET', `/api/videos/${encodeURIComponent(id)}`).then(setVideo, (e) => setError((e as Error).message));
  }, [id]);

  const onPlay = () => {
    if (counted.current || !video) return;
    counted.current = true;
    void api<{ views: number }>('POST', `/api/videos/${video.id}/view`).then((r) => setVideo((v) => v && { ...v, views: r.views }));
  };
  const publish = async (on: boolean) => setVideo(await api<Video>('POST', `/api/videos/${id}/${on ? 'publish' : 'unpublish'}`));
  const like = async () => {
    if (!video) return;
    const r = await api<{ liked: boolean; likes: number }>(video.liked ? 'DELETE' : 'POST', `/api/videos/${id}/like`);
    setVideo({ ...video, liked: r.liked, likes: r.likes });
  };

  if (error) return <p role="alert" className="error">{error}</p>;
  if (!video) return <p>Loading…</p>;
  const p = video.params;
  return (
    <section className="player">
      <h1 className="prompt-title">{video.prompt}</h1>
      <div className="player-grid">
        <div>
          {video.video_url
            ? <video data-testid="player" src={video.video_url} poster={video.poster_url ?? undefined} controls loop playsInline onPlay={onPlay} width={384} />
            : <p>This video has no file (status {video.status}).</p>}
          <div className="row">
            {video.video_url && <a className="button secondary" href={video.video_url} download={`${video.id}.mp4`}>Download MP4</a>}
            {video.mine && (video.published
              ? <button type="button" className="secondary" onClick={() => void publish(false)}>Unpublish</button>
              : <button type="button" onClick={() => void publish(true)}>Publish</button>)}
            {video.published && <button type="button" aria-pressed={video.liked} onClick={() => void like()}>{video.liked ? 'Unlike' : 'Like'} · {video.likes}</button>}
            <button type="button" className="secondary" onClick={() => navigate(`/create?remix=${video.id}`)}>Remix</button>
            {video.mine && video.video_url && <button type="button" className="secondary" onClick={() => navigate(`/create?extend=${video.id}`)}>Extend</button>}
          </div>
          <p className="meta">
            by {video.author} · <span data-testid="views">{video.views} views</span> · <span data-testid="likes">{video.likes} likes</span>
            {video.published ? ' · published' : ' · private'}{video.hidden ? ' · hidden by an admin' : ''}
          </p>
        </div>
        <div>
          <h2>Parameters</h2>
          <dl className="params">
            <dt>Model</dt><dd>{video.model}</dd>
            <dt>Seed</dt><dd>{p.seed}</dd>
            <dt>Steps</dt><dd>{p.steps ?? 'default'}</dd>
            <dt>CFG</dt><dd>{p.guidance === null ? 'off' : p.guidance ?? 'default'}</dd>
            <dt>Sampler</dt><dd>{p.scheduler ?? 'default'}</dd>
            <dt>Size</dt><dd>{p.output_size} px, {p.seconds} s</dd>
            <dt>Negative prompt</dt><dd>{video.negative_prompt || '—'}</dd>
          </dl>
          {video.parent && <p data-testid="parent">Remix of <a {...linkProps(`/v/${video.parent.id}`)}>“{video.parent.prompt}”</a></p>}
          {video.children.length > 0 && (
            <>
              <h2>Remixes</h2>
              <ul>{video.children.map((c) => <li key={c.id}><a {...linkProps(`/v/${c.id}`)}>{c.prompt}</a></li>)}</ul>
            </>
          )}
        </div>
      </div>
    </section>
  );
}
