import { useCallback, useEffect, useMemo, useState } from 'react';
import { useEstimate } from '../use-estimate';
import { api, type StoryboardEstimate, type StoryboardView } from '../api';
import { navigate } from '../router';
import { usePageTitle } from '../a11y';
import { LOCALE, useT, type PlainKey } from '../i18n';
import { errorText, storedErrorText } from '../i18n/errors';

type Camera = StoryboardView['shots'][number]['camera'];
type Transition = StoryboardView['shots'][number]['transition'];
type Fill = StoryboardView['shots'][number]['fill'];

interface ShotDraft {
  key: number;
  prompt: string;
  duration: string;
  camera: Camera;
  transition: Transition;
  fill: Fill;
}

interface Model { id: string; default: boolean; seconds: string }

/** The camera moves of the world's caption grammar (src/world/lexicon.ts CAMERA_WORDS), as the API names them. */
const CAMERAS: Camera[] = ['none', 'pan_left', 'pan_right', 'tilt_up', 'tilt_down', 'zoom_in', 'zoom_out'];
const BETWEEN: [Transition, PlainKey][] = [['crossfade', 'transition.crossfade'], ['fade_black', 'transition.fade_black'], ['wipe_left', 'transition.wipe_left'], ['wipe_right', 'transition.wipe_right'], ['cut', 'transition.cut']];
const ENDING: [Transition, PlainKey][] = [['cut', 'ending.cut'], ['fade_black', 'ending.fade_black']];
const FILLS: [Fill, PlainKey][] = [['loop', 'fill.loop'], ['pingpong', 'fill.pingpong'], ['hold', 'fill.hold']];
const ACTIVE = new Set(['queued', 'running', 'assembling']);

let nextKey = 1;
const newShot = (prompt = '', camera: Camera = 'none'): ShotDraft => ({ key: nextKey++, prompt, duration: '2', camera, transition: 'crossfade', fill: 'loop' });

/** The request body: the last shot's transition is its ending (cut or fade out). */
function bodyOf(title: string, subject: string, shots: ShotDraft[], model: string, seed: string): Record<string, unknown> {
  return {
    title, subject, model: model || undefined, seed: seed === '' ? undefined : Number(seed),
    shots: shots.map((s, i) => ({
      prompt: s.prompt, duration: Number(s.duration), camera: s.camera, fill: s.fill,
      transition: i === shots.length - 1 && s.transition !== 'fade_black' ? 'cut' : s.transition,
    })),
  };
}

function Progress({ label, value }: { label: string; value: number }) {
  return <progress max={100} value={value} aria-label={label}>{value}%</progress>;
}

/** A submitted storyboard: overall and per-shot progress while it runs, then the film. */
function StoryboardStatus({ id, onChange }: { id: string; onChange: () => void }) {
  const t = useT();
  const [sb, setSb] = useState<StoryboardView | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const v = await api<StoryboardView>('GET', `/api/storyboards/${encodeURIComponent(id)}`);
        if (stop) return;
        setSb(v);
        if (ACTIVE.has(v.status)) timer = setTimeout(() => void poll(), 500);
        else onChange();
      } catch (e) {
        if (!stop) setError(e);
      }
    };
    void poll();
    return () => {
      stop = true;
      if (timer) clearTimeout(timer);
    };
  }, [id, onChange]);
  if (error !== null) return <p role="alert" className="error">{errorText(error, t)}</p>;
  if (!sb) return <p>{t('app.loading')}</p>;
  const cancel = async () => setSb(await api<StoryboardView>('POST', `/api/storyboards/${encodeURIComponent(sb.id)}/cancel`));
  return (
    <section className="card stack storyboard-status" data-testid="storyboard-status" data-status={sb.status} aria-live="polite">
      <div className="task-head"><h2 translate="no">{sb.title}</h2><span className={`status ${sb.status}`}>{t(`status.${sb.status}`)}</span></div>
      <p className="meta">{t.rich('sb.meta', { subject: <span key="s" translate="no">{sb.subject}</span>, clips: sb.clips, seconds: sb.film.seconds, seed: sb.seed, price: sb.price })}</p>
      {sb.status === 'succeeded' && sb.video ? (
        <div className="film">
          <video controls autoPlay muted loop playsInline src={sb.video.url} poster={sb.poster?.url} data-testid="film" aria-label={t('sb.film', { title: sb.title })} />
          <a className="button" href={sb.video.url} download={`${sb.title.replace(/[^\w-]+/g, '-').replace(/^-+|-+$/g, '') || 'storyboard'}.mp4`}>{t('sb.download')}</a>
        </div>
      ) : (
        <div className="grow"><Progress label={t('sb.progress')} value={sb.progress} /><small>{sb.status === 'assembling' ? t('sb.assembling') : `${sb.progress}%`}</small></div>
      )}
      {sb.error && <p className="error">{storedErrorText(sb.error, t)}</p>}
      <ol className="shot-progress">
        {sb.shots.map((s) => (
          <li key={s.index} data-status={s.status}>
            <span className="caption" translate="no">{s.caption}</span>
            <Progress label={t('sb.shotProgress', { n: s.index + 1 })} value={s.progress} />
            <small>{t('sb.shotMeta', { status: t(`status.${s.status}`), seconds: s.duration })}{s.unknown_words.length ? t('sb.shotUnknown', { words: s.unknown_words.join(', ') }) : ''}</small>
          </li>
        ))}
      </ol>
      {ACTIVE.has(sb.status) && <div className="row"><button type="button" className="secondary" onClick={() => void cancel()}>{t('sb.cancel')}</button></div>}
    </section>
  );
}

export function StoryboardPage({ openId }: { openId: string | null }) {
  const t = useT();
  usePageTitle(t('sb.title'));
  const [title, setTitle] = useState('');
  const [subject, setSubject] = useState('');
  const [shots, setShots] = useState<ShotDraft[]>(() => [newShot(), newShot()]);
  const [model, setModel] = useState('');
  const [seed, setSeed] = useState('');
  const [models, setModels] = useState<Model[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [recent, setRecent] = useState<StoryboardView[]>([]);
  const [submitted, setSubmitted] = useState(0);

  const loadRecent = useCallback(() => {
    void api<{ data: StoryboardView[] }>('GET', '/api/storyboards?limit=10').then((r) => setRecent(r.data), () => undefined);
  }, []);
  useEffect(() => {
    void api<{ data: Model[] }>('GET', '/api/models').then((r) => {
      setModels(r.data);
      setModel((m) => m || (r.data.find((x) => x.default) ?? r.data[0])?.id || '');
    });
    loadRecent();
  }, [loadRecent]);

  const body = useMemo(() => bodyOf(title, subject, shots, model, seed), [title, subject, shots, model, seed]);
  const complete = title.trim() !== '' && subject.trim() !== '' && shots.length > 0 && shots.every((s) => s.prompt.trim() && s.duration !== '');
  const { estimate, estimateError } = useEstimate<StoryboardEstimate>('/api/storyboards/estimate', complete ? body : null, submitted);

  const update = (key: number, patch: Partial<ShotDraft>) => setShots((list) => list.map((s) => (s.key === key ? { ...s, ...patch } : s)));
  const move = (i: number, by: number) => setShots((list) => {
    const copy = [...list];
    const [s] = copy.splice(i, 1);
    copy.splice(i + by, 0, s!);
    return copy;
  });
  const remove = (key: number) => setShots((list) => list.filter((s) => s.key !== key));

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const sb = await api<StoryboardView>('POST', '/api/storyboards', body);
      navigate(`/storyboard?id=${encodeURIComponent(sb.id)}`);
      // A fresh form for the next film (the film just made is shown above it, and listed under Recent).
      setTitle('');
      setSubject('');
      setShots([newShot(), newShot()]);
      setSeed('');
      loadRecent();
      setSubmitted((n) => n + 1); // the balance changed: estimate again
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const clip = estimate?.clip_seconds ?? Number(models.find((m) => m.id === model)?.seconds ?? 2);
  return (
    <section>
      <h1>{t('sb.title')}</h1>
      <p className="note">{t('sb.intro', { clip })}</p>
      {openId && <StoryboardStatus id={openId} onChange={loadRecent} key={openId} />}
      <form className="card stack" onSubmit={(e) => { e.preventDefault(); void submit(); }} aria-label={t('sb.form')}>
        <div className="grid-fields">
          <div className="field"><label htmlFor="sb-title">{t('sb.filmTitle')}</label><input id="sb-title" name="title" required maxLength={100} value={title} onChange={(e) => setTitle(e.target.value)} placeholder={t('sb.titlePlaceholder')} /></div>
          <div className="field"><label htmlFor="sb-subject">{t('sb.subject')}</label><input id="sb-subject" name="subject" required maxLength={200} value={subject} onChange={(e) => setSubject(e.target.value)} placeholder={t('sb.subjectPlaceholder')} aria-describedby="sb-subject-note" />
            <small id="sb-subject-note">{t('sb.subjectNote')}</small></div>
          <div className="field"><label htmlFor="sb-model">{t('sb.model')}</label><select id="sb-model" name="model" value={model} onChange={(e) => setModel(e.target.value)}>
              {models.map((m) => <option key={m.id} value={m.id} translate="no">{m.id}</option>)}
            </select></div>
          <div className="field"><label htmlFor="sb-seed">{t('sb.seed')}</label><input id="sb-seed" name="seed" type="number" min={0} max={2147483647} value={seed} onChange={(e) => setSeed(e.target.value)} placeholder={t('sb.seedPlaceholder')} /></div>
        </div>
        <h2>{t('sb.shots')}</h2>
        <ol className="shots">
          {shots.map((s, i) => {
            const last = i === shots.length - 1;
            const plan = estimate?.shots[i];
            const id = `sb-shot-${s.key}`;
            return (
              <li key={s.key} className="shot" data-testid="shot">
                <div className="task-head"><strong>{t('sb.shot', { n: i + 1 })}</strong>
                  <span className="row">
                    <button type="button" className="secondary" onClick={() => move(i, -1)} disabled={i === 0} aria-label={t('sb.moveUp', { n: i + 1 })}>↑</button>
                    <button type="button" className="secondary" onClick={() => move(i, 1)} disabled={last} aria-label={t('sb.moveDown', { n: i + 1 })}>↓</button>
                    <button type="button" className="secondary" onClick={() => remove(s.key)} disabled={shots.length === 1} aria-label={t('sb.remove', { n: i + 1 })}>{t('sb.removeButton')}</button>
                  </span>
                </div>
                <div className="field"><label htmlFor={`${id}-prompt`}>{t('sb.what', { n: i + 1 })}</label>
                  <input id={`${id}-prompt`} required maxLength={500} value={s.prompt} onChange={(e) => update(s.key, { prompt: e.target.value })} placeholder={t('sb.whatPlaceholder')} /></div>
                {plan && <p className="note" data-testid="shot-caption">{t.rich('sb.caption', { caption: <span key="c" translate="no">{plan.caption}</span> })}{plan.unknown_words.length > 0 && <span className="warn">{t('sb.notKnown', { words: plan.unknown_words.join(', ') })}</span>}</p>}
                <div className="grid-fields">
                  <div className="field"><label htmlFor={`${id}-duration`}>{t('sb.duration')}</label>
                    <input id={`${id}-duration`} type="number" required step={0.5} min={estimate?.min_shot_seconds ?? 1} max={estimate?.max_shot_seconds ?? 6} value={s.duration} onChange={(e) => update(s.key, { duration: e.target.value })} /></div>
                  <div className="field"><label htmlFor={`${id}-camera`}>{t('sb.camera')}</label>
                    <select id={`${id}-camera`} value={s.camera} onChange={(e) => update(s.key, { camera: e.target.value as Camera })}>
                      {CAMERAS.map((v) => <option key={v} value={v}>{t(`camera.${v}`)}</option>)}
                    </select></div>
                  <div className="field"><label htmlFor={`${id}-transition`}>{last ? t('sb.ending') : t('sb.into', { n: i + 2 })}</label>
                    <select id={`${id}-transition`} value={last && s.transition !== 'fade_black' ? 'cut' : s.transition} onChange={(e) => update(s.key, { transition: e.target.value as Transition })}>
                      {(last ? ENDING : BETWEEN).map(([v, label]) => <option key={v} value={v}>{t(label)}</option>)}
                    </select></div>
                  {Number(s.duration) > clip && (
                    <div className="field"><label htmlFor={`${id}-fill`}>{t('sb.longer')}</label>
                      <select id={`${id}-fill`} value={s.fill} onChange={(e) => update(s.key, { fill: e.target.value as Fill })}>
                        {FILLS.map(([v, label]) => <option key={v} value={v}>{t(label)}</option>)}
                      </select></div>
                  )}
                </div>
              </li>
            );
          })}
        </ol>
        <div className="row"><button type="button" className="secondary" onClick={() => setShots((l) => [...l, newShot()])} disabled={shots.length >= 12}>{t('sb.add')}</button></div>
        <p className="cost" data-testid="storyboard-cost">
          {estimate ? t.rich('sb.cost', { credits: <strong key="c">{t('create.credits', { n: estimate.price })}</strong>, clips: estimate.clips, price: estimate.price_per_clip, balance: estimate.balance, seconds: estimate.film.seconds }) : t('sb.costIncomplete')}
        </p>
        {estimate && !estimate.affordable && <p className="warn">{t('sb.tooFew')}</p>}
        {estimateError && <p className="warn" data-testid="estimate-error">{errorText(estimateError, t)}</p>}
        {error !== null && <p role="alert" className="error">{errorText(error, t)}</p>}
        <div className="row"><button type="submit" disabled={busy || !complete || !!estimateError || (estimate !== null && !estimate.affordable)}>{t('sb.submit')}</button></div>
      </form>
      {recent.length > 0 && (
        <>
          <h2>{t('sb.yours')}</h2>
          <ul className="tasks">
            {recent.map((r) => (
              <li key={r.id} className="card">
                <div className="task-head">
                  <a href={`/storyboard?id=${encodeURIComponent(r.id)}`} onClick={(e) => { e.preventDefault(); navigate(`/storyboard?id=${encodeURIComponent(r.id)}`); }} translate="no">{r.title}</a>
                  <span className={`status ${r.status}`}>{t(`status.${r.status}`)}</span>
                </div>
                <small className="meta">{t.rich('sb.recentMeta', { subject: <span key="s" translate="no">{r.subject}</span>, clips: r.clips, seconds: r.film.seconds, time: new Date(r.created_at).toLocaleString(LOCALE[t.lang]) })}</small>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
