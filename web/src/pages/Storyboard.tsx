import { useCallback, useEffect, useMemo, useState } from 'react';
import { useEstimate } from '../use-estimate';
import { api, ApiFailure, type StoryboardEstimate, type StoryboardView } from '../api';
import { navigate } from '../router';
import { usePageTitle } from '../a11y';

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
const CAMERAS: [Camera, string][] = [['none', 'None'], ['pan_left', 'Pan left'], ['pan_right', 'Pan right'], ['tilt_up', 'Tilt up'], ['tilt_down', 'Tilt down'], ['zoom_in', 'Zoom in'], ['zoom_out', 'Zoom out']];
const BETWEEN: [Transition, string][] = [['crossfade', 'Crossfade'], ['fade_black', 'Dip to black'], ['wipe_left', 'Wipe left'], ['wipe_right', 'Wipe right'], ['cut', 'Cut']];
const ENDING: [Transition, string][] = [['cut', 'End (cut)'], ['fade_black', 'Fade out']];
const FILLS: [Fill, string][] = [['loop', 'Loop the clip'], ['pingpong', 'Play forth and back'], ['hold', 'Hold the last frame']];
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
  const [sb, setSb] = useState<StoryboardView | null>(null);
  const [error, setError] = useState<string | null>(null);
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
        if (!stop) setError((e as Error).message);
      }
    };
    void poll();
    return () => {
      stop = true;
      if (timer) clearTimeout(timer);
    };
  }, [id, onChange]);
  if (error) return <p role="alert" className="error">{error}</p>;
  if (!sb) return <p>Loading…</p>;
  const cancel = async () => setSb(await api<StoryboardView>('POST', `/api/storyboards/${encodeURIComponent(sb.id)}/cancel`));
  return (
    <section className="card stack storyboard-status" data-testid="storyboard-status" data-status={sb.status} aria-live="polite">
      <div className="task-head"><h2>{sb.title}</h2><span className={`status ${sb.status}`}>{sb.status}</span></div>
      <p className="meta">{sb.subject} · {sb.clips} shots · {sb.film.seconds} s film · seed {sb.seed} · {sb.price} credits</p>
      {sb.status === 'succeeded' && sb.video ? (
        <div className="film">
          <video controls autoPlay muted loop playsInline src={sb.video.url} poster={sb.poster?.url} data-testid="film" aria-label={`Film: ${sb.title}`} />
          <a className="button" href={sb.video.url} download={`${sb.title.replace(/[^\w-]+/g, '-').replace(/^-+|-+$/g, '') || 'storyboard'}.mp4`}>Download the film</a>
        </div>
      ) : (
        <div className="grow"><Progress label="Storyboard progress" value={sb.progress} /><small>{sb.status === 'assembling' ? 'Assembling the film…' : `${sb.progress}%`}</small></div>
      )}
      {sb.error && <p className="error">{sb.error.message}</p>}
      <ol className="shot-progress">
        {sb.shots.map((s) => (
          <li key={s.index} data-status={s.status}>
            <span className="caption">{s.caption}</span>
            <Progress label={`Shot ${s.index + 1} progress`} value={s.progress} />
            <small>{s.status} · {s.duration} s{s.unknown_words.length ? ` · not known: ${s.unknown_words.join(', ')}` : ''}</small>
          </li>
        ))}
      </ol>
      {ACTIVE.has(sb.status) && <div className="row"><button type="button" className="secondary" onClick={() => void cancel()}>Cancel storyboard</button></div>}
    </section>
  );
}

export function StoryboardPage({ openId }: { openId: string | null }) {
  usePageTitle('Storyboard');
  const [title, setTitle] = useState('');
  const [subject, setSubject] = useState('');
  const [shots, setShots] = useState<ShotDraft[]>(() => [newShot(), newShot()]);
  const [model, setModel] = useState('');
  const [seed, setSeed] = useState('');
  const [models, setModels] = useState<Model[]>([]);
  const [error, setError] = useState<string | null>(null);
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
      setError(e instanceof ApiFailure ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const clip = estimate?.clip_seconds ?? Number(models.find((m) => m.id === model)?.seconds ?? 2);
  return (
    <section>
      <h1>Storyboard</h1>
      <p className="note">One subject, a list of shots, one film: a title card, then each shot with its camera move and a transition into the next. Each shot is one {clip} s clip; a longer shot fills with the same clip.</p>
      {openId && <StoryboardStatus id={openId} onChange={loadRecent} key={openId} />}
      <form className="card stack" onSubmit={(e) => { e.preventDefault(); void submit(); }} aria-label="New storyboard">
        <div className="grid-fields">
          <div className="field"><label htmlFor="sb-title">Title</label><input id="sb-title" name="title" required maxLength={100} value={title} onChange={(e) => setTitle(e.target.value)} placeholder="The fox's day" /></div>
          <div className="field"><label htmlFor="sb-subject">Subject</label><input id="sb-subject" name="subject" required maxLength={200} value={subject} onChange={(e) => setSubject(e.target.value)} placeholder="a red fox" aria-describedby="sb-subject-note" />
            <small id="sb-subject-note">The same subject in every shot, drawn with the same seed.</small></div>
          <div className="field"><label htmlFor="sb-model">Model</label><select id="sb-model" name="model" value={model} onChange={(e) => setModel(e.target.value)}>
              {models.map((m) => <option key={m.id} value={m.id}>{m.id}</option>)}
            </select></div>
          <div className="field"><label htmlFor="sb-seed">Seed</label><input id="sb-seed" name="seed" type="number" min={0} max={2147483647} value={seed} onChange={(e) => setSeed(e.target.value)} placeholder="random" /></div>
        </div>
        <h2>Shots</h2>
        <ol className="shots">
          {shots.map((s, i) => {
            const last = i === shots.length - 1;
            const plan = estimate?.shots[i];
            const id = `sb-shot-${s.key}`;
            return (
              <li key={s.key} className="shot" data-testid="shot">
                <div className="task-head"><strong>Shot {i + 1}</strong>
                  <span className="row">
                    <button type="button" className="secondary" onClick={() => move(i, -1)} disabled={i === 0} aria-label={`Move shot ${i + 1} up`}>↑</button>
                    <button type="button" className="secondary" onClick={() => move(i, 1)} disabled={last} aria-label={`Move shot ${i + 1} down`}>↓</button>
                    <button type="button" className="secondary" onClick={() => remove(s.key)} disabled={shots.length === 1} aria-label={`Remove shot ${i + 1}`}>Remove</button>
                  </span>
                </div>
                <div className="field"><label htmlFor={`${id}-prompt`}>What happens in shot {i + 1}</label>
                  <input id={`${id}-prompt`} required maxLength={500} value={s.prompt} onChange={(e) => update(s.key, { prompt: e.target.value })} placeholder="jumps on the grass" /></div>
                {plan && <p className="note" data-testid="shot-caption">Caption: “{plan.caption}”{plan.unknown_words.length > 0 && <span className="warn"> · not known: {plan.unknown_words.join(', ')} (ignored)</span>}</p>}
                <div className="grid-fields">
                  <div className="field"><label htmlFor={`${id}-duration`}>Duration (s)</label>
                    <input id={`${id}-duration`} type="number" required step={0.5} min={estimate?.min_shot_seconds ?? 1} max={estimate?.max_shot_seconds ?? 6} value={s.duration} onChange={(e) => update(s.key, { duration: e.target.value })} /></div>
                  <div className="field"><label htmlFor={`${id}-camera`}>Camera move</label>
                    <select id={`${id}-camera`} value={s.camera} onChange={(e) => update(s.key, { camera: e.target.value as Camera })}>
                      {CAMERAS.map(([v, label]) => <option key={v} value={v}>{label}</option>)}
                    </select></div>
                  <div className="field"><label htmlFor={`${id}-transition`}>{last ? 'Ending' : `Into shot ${i + 2}`}</label>
                    <select id={`${id}-transition`} value={last && s.transition !== 'fade_black' ? 'cut' : s.transition} onChange={(e) => update(s.key, { transition: e.target.value as Transition })}>
                      {(last ? ENDING : BETWEEN).map(([v, label]) => <option key={v} value={v}>{label}</option>)}
                    </select></div>
                  {Number(s.duration) > clip && (
                    <div className="field"><label htmlFor={`${id}-fill`}>Longer than a clip</label>
                      <select id={`${id}-fill`} value={s.fill} onChange={(e) => update(s.key, { fill: e.target.value as Fill })}>
                        {FILLS.map(([v, label]) => <option key={v} value={v}>{label}</option>)}
                      </select></div>
                  )}
                </div>
              </li>
            );
          })}
        </ol>
        <div className="row"><button type="button" className="secondary" onClick={() => setShots((l) => [...l, newShot()])} disabled={shots.length >= 12}>Add shot</button></div>
        <p className="cost" data-testid="storyboard-cost">
          {estimate ? <>Cost: <strong>{estimate.price} credit{estimate.price === 1 ? '' : 's'}</strong> ({estimate.clips} clips × {estimate.price_per_clip}) · balance {estimate.balance} · film {estimate.film.seconds} s</> : 'Cost: fill in the title, subject and every shot'}
        </p>
        {estimate && !estimate.affordable && <p className="warn">This key has too few credits for every shot.</p>}
        {estimateError && <p className="warn" data-testid="estimate-error">{estimateError}</p>}
        {error && <p role="alert" className="error">{error}</p>}
        <div className="row"><button type="submit" disabled={busy || !complete || !!estimateError || (estimate !== null && !estimate.affordable)}>Make the film</button></div>
      </form>
      {recent.length > 0 && (
        <>
          <h2>Your storyboards</h2>
          <ul className="tasks">
            {recent.map((r) => (
              <li key={r.id} className="card">
                <div className="task-head">
                  <a href={`/storyboard?id=${encodeURIComponent(r.id)}`} onClick={(e) => { e.preventDefault(); navigate(`/storyboard?id=${encodeURIComponent(r.id)}`); }}>{r.title}</a>
                  <span className={`status ${r.status}`}>{r.status}</span>
                </div>
                <small className="meta">{r.subject} · {r.clips} shots · {r.film.seconds} s · {new Date(r.created_at).toLocaleString()}</small>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
