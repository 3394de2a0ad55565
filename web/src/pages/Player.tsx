import { useEffect, useRef, useState } from 'react';
import { api, ApiFailure, type Task, type Video } from '../api';
import { linkProps, navigate } from '../router';
import { usePageTitle } from '../a11y';
import { useT, type Translator } from '../i18n';
import { errorText } from '../i18n/errors';

/** What a sampling model actually used (its task's meta.sampling, written by the built-in provider). */
interface Sampling { steps: number; guidance: number | null; scheduler: string }

/** A parameter as asked, else as the model actually ran it, else (a model that does not report it) its default. */
function used<T>(t: Translator, asked: T | undefined, actual: T | undefined, show: (v: T) => string): string {
  if (asked !== undefined) return show(asked);
  if (actual !== undefined) return t('player.asModelDefault', { value: show(actual) });
  return t('player.modelDefault');
}

export function PlayerPage({ id }: { id: string }) {
  const t = useT();
  const [video, setVideo] = useState<Video | null>(null);
  const [sampling, setSampling] = useState<Sampling | undefined>(undefined);
  const [error, setError] = useState<{ error: unknown; missing: boolean } | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const counted = useRef(false);
  usePageTitle(error?.missing ? t('player.notFound') : video?.prompt ?? t('player.title'));

  useEffect(() => {
    counted.current = false;
    void api<Video>('GET', `/api/videos/${encodeURIComponent(id)}`).then((v) => {
      setVideo(v);
      // The owner can read the task, whose meta says what the model used for the parameters left to it.
      if (v.mine) void api<Task>('GET', `/api/tasks/${encodeURIComponent(id)}`).then((t) => setSampling((t.meta as { sampling?: Sampling } | null)?.sampling), () => undefined);
    }, (e) => setError({ error: e, missing: e instanceof ApiFailure && e.status === 404 }));
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
      setCopied(t(video?.published ? 'player.copied' : 'player.copiedPrivate'));
    } catch {
      // No clipboard (an http page on another machine, or permission refused): show the link to copy by hand.
      setCopied(t('player.copyByHand', { link }));
    }
  };

  if (error) {
    return (
      <section>
        <h1>{t(error.missing ? 'player.notFound' : 'player.loadFailed')}</h1>
        <p role="alert" className="error">{error.missing ? t('player.missing') : errorText(error.error, t)}</p>
        <p><a {...linkProps('/feed')}>{t('notFound.feed')}</a> · <a {...linkProps('/mine')}>{t('notFound.mine')}</a></p>
      </section>
    );
  }
  if (!video) return <section><h1>{t('player.title')}</h1><p>{t('app.loading')}</p></section>;
  const p = video.params;
  return (
    <section className="player">
      <h1 className="prompt-title" translate="no">{video.prompt}</h1>
      <div className="player-grid">
        <div>
          {/* Muted autoplay is what browsers allow without a click; a short clip loops, as in every video app. */}
          {video.video_url
            ? <video data-testid="player" src={video.video_url} poster={video.poster_url ?? undefined} controls autoPlay muted loop playsInline onPlay={onPlay} width={384} />
            : <p>{t('player.noFile', { status: t(`status.${video.status}`) })}</p>}
          <div className="row">
            {video.video_url && <a className="button secondary" href={video.video_url} download={`${video.id}.mp4`}>{t('player.download')}</a>}
            {video.mine && (video.published
              ? <button type="button" className="secondary" onClick={() => void publish(false)}>{t('player.unpublish')}</button>
              : <button type="button" onClick={() => void publish(true)}>{t('player.publish')}</button>)}
            {video.published && <button type="button" aria-pressed={video.liked} onClick={() => void like()}>{t(video.liked ? 'player.unlike' : 'player.like')} · {video.likes}</button>}
            <button type="button" className="secondary" onClick={() => void copyLink()}>{t('player.copyLink')}</button>
            <button type="button" className="secondary" onClick={() => navigate(`/create?remix=${video.id}`)}>{t('player.remix')}</button>
            {video.mine && video.video_url && <button type="button" className="secondary" onClick={() => navigate(`/create?extend=${video.id}`)}>{t('player.extend')}</button>}
          </div>
          <p role="status" className="note" data-testid="copied">{copied}</p>
          <p className="meta">
            {t.rich('player.by', { author: <span key="a" translate="no">{video.author}</span> })} · <span data-testid="views">{t('count.views', { n: video.views })}</span> · <span data-testid="likes">{t('count.likes', { n: video.likes })}</span>
            {t(video.published ? 'player.published' : 'player.private')}{video.hidden ? t('player.hidden') : ''}
          </p>
        </div>
        <div>
          <h2>{t('player.parameters')}</h2>
          <dl className="params" data-testid="params">
            <dt>{t('player.model')}</dt><dd translate="no">{video.model}</dd>
            <dt>{t('player.seed')}</dt><dd>{p.seed}</dd>
            <dt>{t('player.steps')}</dt><dd>{used(t, p.steps, sampling?.steps, String)}</dd>
            <dt>{t('player.cfg')}</dt><dd>{used(t, p.guidance, sampling?.guidance, (g) => g === null ? t('player.off') : String(g))}</dd>
            <dt>{t('player.sampler')}</dt><dd>{used<string>(t, p.scheduler, sampling?.scheduler, (s) => s === 'heun' ? 'Heun' : s === 'euler' ? 'Euler' : s)}</dd>
            <dt>{t('player.size')}</dt><dd>{t('player.sizeValue', { px: p.output_size, seconds: p.seconds })}</dd>
            <dt>{t('player.negative')}</dt><dd translate="no">{video.negative_prompt || '—'}</dd>
          </dl>
          {video.parent && <p data-testid="parent">{t.rich('player.remixOf', { link: <a key="link" translate="no" {...linkProps(`/v/${video.parent.id}`)}>“{video.parent.prompt}”</a> })}</p>}
          {video.children.length > 0 && (
            <>
              <h2>{t('player.remixes')}</h2>
              <ul>{video.children.map((c) => <li key={c.id}><a translate="no" {...linkProps(`/v/${c.id}`)}>{c.prompt}</a></li>)}</ul>
            </>
          )}
        </div>
      </div>
    </section>
  );
}
