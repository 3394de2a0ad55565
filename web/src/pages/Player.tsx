import { useEffect, useRef, useState } from 'react';
import { api, ApiFailure, type Task, type Video } from '../api';
import { linkProps, navigate } from '../router';
import { usePageTitle } from '../a11y';
import { count } from '../progress-words';

/** What a sampling model actually used (its task's meta.sampling, written by the built-in provider). */
interface Sampling { steps: number; guidance: number | null; scheduler: string }

/** A parameter as asked, else as the model actually ran it, else (a model that does not report it) its default. */
function used<T>(asked: T | undefined, actual: T | undefined, show: (v: T) => string): string {
  if (asked !== undefined) return show(asked);
  if (actual !== undefined) return `${show(actual)} (model default)`;
  return 'model default';
}

export function PlayerPage({ id }: { id: string }) {
  const [video, setVideo] = useState<Video | null>(null);
  const [sampling, setSampling] = useState<Sampling | undefined>(undefined);
  const [error, setError] = useState<{ message: string; missing: boolean } | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const counted = useRef(false);
  usePageTitle(error?.missing ? 'Video not found' : video?.prompt ?? 'Video');

  useEffect(() => {
    counted.current = false;
    void api<Video>('GET', `/api/videos/${encodeURIComponent(id)}`).then((v) => {
      setVideo(v);
      // The owner can read the task, whose meta says what the model used for the parameters left to it.
      if (v.mine) void api<Task>('GET', `/api/tasks/${encodeURIComponent(id)}`).then((t) => setSampling((t.meta as { sampling?: Sampling } | null)?.sampling), () => undefined);
    }, (e) => setError({ message: (e as Error).message, missing: e instanceof ApiFailure && e.status === 404 }));
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
  const copyLink = async () => {
    const link = `${window.location.origin}/v/${encodeURIComponent(id)}`;
    try {
      await navigator.clipboard.writeText(link);
      setCopied(video?.published ? 'Link copied.' : 'Link copied. The video is private: publish it so others can open the link.');
    } catch {
      // No clipboard (an http page on another machine, or permission refused): show the link to copy by hand.
      setCopied(`Copy this link: ${link}`);
    }
  };

  if (error) {
    return (
      <section>
        <h1>{error.missing ? 'Video not found' : 'This video could not be loaded'}</h1>
        <p role="alert" className="error">{error.missing ? 'There is no video at this address, or it is private to its author.' : error.message}</p>
        <p><a {...linkProps('/feed')}>See the feed</a> · <a {...linkProps('/mine')}>Your videos</a></p>
      </section>
    );
  }
  if (!video) return <section><h1>Video</h1><p>Loading…</p></section>;
  const p = video.params;
  return (
    <section className="player">
      <h1 className="prompt-title">{video.prompt}</h1>
      <div className="player-grid">
        <div>
          {/* Muted autoplay is what browsers allow without a click; a short clip loops, as in every video app. */}
          {video.video_url
            ? <video data-testid="player" src={video.video_url} poster={video.poster_url ?? undefined} controls autoPlay muted loop playsInline onPlay={onPlay} width={384} />
            : <p>This video has no file (status {video.status}).</p>}
          <div className="row">
            {video.video_url && <a className="button secondary" href={video.video_url} download={`${video.id}.mp4`}>Download MP4</a>}
            {video.mine && (video.published
              ? <button type="button" className="secondary" onClick={() => void publish(false)}>Unpublish</button>
              : <button type="button" onClick={() => void publish(true)}>Publish</button>)}
            {video.published && <button type="button" aria-pressed={video.liked} onClick={() => void like()}>{video.liked ? 'Unlike' : 'Like'} · {video.likes}</button>}
            <button type="button" className="secondary" onClick={() => void copyLink()}>Copy link</button>
            <button type="button" className="secondary" onClick={() => navigate(`/create?remix=${video.id}`)}>Remix</button>
            {video.mine && video.video_url && <button type="button" className="secondary" onClick={() => navigate(`/create?extend=${video.id}`)}>Extend</button>}
          </div>
          <p role="status" className="note" data-testid="copied">{copied}</p>
          <p className="meta">
            by {video.author} · <span data-testid="views">{count(video.views, 'view')}</span> · <span data-testid="likes">{count(video.likes, 'like')}</span>
            {video.published ? ' · published' : ' · private'}{video.hidden ? ' · hidden by an admin' : ''}
          </p>
        </div>
        <div>
          <h2>Parameters</h2>
          <dl className="params" data-testid="params">
            <dt>Model</dt><dd>{video.model}</dd>
            <dt>Seed</dt><dd>{p.seed}</dd>
            <dt>Steps</dt><dd>{used(p.steps, sampling?.steps, String)}</dd>
            <dt>CFG</dt><dd>{used(p.guidance, sampling?.guidance, (g) => g === null ? 'off' : String(g))}</dd>
            <dt>Sampler</dt><dd>{used<string>(p.scheduler, sampling?.scheduler, (s) => s === 'heun' ? 'Heun' : s === 'euler' ? 'Euler' : s)}</dd>
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
