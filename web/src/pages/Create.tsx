import { useEffect, useMemo, useState } from 'react';
import { api, ApiFailure, type EffectTemplate, type Task, type Video } from '../api';
import { linkProps, navigate } from '../router';
import { usePageTitle } from '../a11y';
import { Examples, Gallery, Knows } from './CreateGuide';

/** How the model read the prompt (POST /api/prompt/check, world/normalise.ts). */
interface Reading { caption: string; concepts: Record<string, string | number>; unused: string[]; usable: boolean }
interface Check { unknown_words: string[]; negative_unknown_words: string[]; truncated: string[]; price_per_clip: number; reading?: Reading }
interface Balance { balance: number; price_per_clip: number }
interface Model {
  id: string; default: boolean; seconds: string; width: number; height: number;
  capabilities?: { image: boolean; lastFrame: boolean; extend: boolean; aspects: string[]; durations: string[] };
  price_per_clip: number; price_per_second: number | null; max_video_seconds?: number;
}

/** A picture the user chose, read as a data: URL (the API takes it as is; it is checked and stored server-side). */
interface Picture { name: string; dataUrl: string }

function readPicture(file: File): Promise<Picture> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve({ name: file.name, dataUrl: String(reader.result) });
    reader.onerror = () => reject(reader.error ?? new Error('could not read the file'));
    reader.readAsDataURL(file);
  });
}

/** A drop zone that is also a file picker: drop a PNG, JPEG or WebP on it, or choose one. */
function PictureField({ id, label, picture, onChange, disabled }: { id: string; label: string; picture: Picture | null; onChange: (p: Picture | null) => void; disabled?: boolean }) {
  const [over, setOver] = useState(false);
  const take = async (file: File | undefined) => file && onChange(await readPicture(file));
  return (
    <div className={`field drop${over ? ' over' : ''}`} data-testid={`drop-${id}`}
      onDragOver={(e) => { e.preventDefault(); setOver(true); }} onDragLeave={() => setOver(false)}
      onDrop={(e) => { e.preventDefault(); setOver(false); void take(e.dataTransfer.files[0]); }}>
      <label htmlFor={`f-${id}`}>{label}</label>
      <input id={`f-${id}`} name={id} type="file" accept="image/png,image/jpeg,image/webp" disabled={disabled} onChange={(e) => void take(e.target.files?.[0])} />
      {picture && <span className="row"><img className="thumb" src={picture.dataUrl} alt={`${label}: ${picture.name}`} /><button type="button" className="secondary" onClick={() => onChange(null)}>Remove</button></span>}
      {!picture && <small>{disabled ? 'This model does not take pictures' : 'Drop a PNG, JPEG or WebP here, or choose one'}</small>}
    </div>
  );
}

/** Camera moves and the caption phrase the model knows for each (src/world/lexicon.ts CAMERA_WORDS). */
const CAMERA_MOVES: [string, string, string][] = [
  ['', 'None', ''],
  ['pan_left', 'Pan left', 'the camera pans left'],
  ['pan_right', 'Pan right', 'the camera pans right'],
  ['tilt_up', 'Tilt up', 'the camera tilts up'],
  ['tilt_down', 'Tilt down', 'the camera tilts down'],
  ['zoom_in', 'Zoom in', 'the camera zooms in'],
  ['zoom_out', 'Zoom out', 'the camera zooms out'],
];

/** The prompt sent: the user's words, then the effect template's fragment, then the camera phrase. */
export function composePrompt(prompt: string, effect: EffectTemplate | undefined, camera: string): string {
  const phrase = CAMERA_MOVES.find(([id]) => id === camera)?.[2] ?? '';
  const parts = [prompt.trim().replace(/[.!,]+$/, ''), effect?.prompt_fragment ?? '', phrase].filter(Boolean);
  return parts.length > 1 ? parts.join(', ') : parts[0] ?? '';
}

/** The prompt with the phrases the model cannot use marked (they may be Chinese, emoji or several words). */
function Highlighted({ text, unknown }: { text: string; unknown: Set<string> }) {
  const phrases = [...unknown].filter(Boolean).sort((a, b) => b.length - a.length);
  if (!phrases.length) return <span>{text}</span>;
  const escaped = phrases.map((p) => p.replace(/[.*+?^$()|[\]{}\\]/g, '\\$&'));
  const pattern = new RegExp(`(${escaped.join('|')})`, 'giu');
  const marked = new Set(phrases.map((p) => p.toLowerCase()));
  return <>{text.split(pattern).map((p, i) => marked.has(p.toLowerCase()) ? <mark key={i} className="unknown">{p}</mark> : <span key={i}>{p}</span>)}</>;
}

/** The concepts the model understood, as chips in the order a caption states them. */
const CONCEPT_ORDER = ['object', 'count', 'motion', 'object2', 'speed', 'background', 'effect', 'camera'];
function ReadingChips({ reading }: { reading: Reading }) {
  const shown = CONCEPT_ORDER.filter((k) => reading.concepts[k] !== undefined);
  if (!shown.length) return null;
  return (
    <p className="chips" data-testid="prompt-reading">
      Understood: {shown.map((k) => <span key={k} className="chip" data-testid={`concept-${k}`}>{k === 'object2' ? 'with' : k} {String(reading.concepts[k]).replace('_', ' ')}</span>)}
    </p>
  );
}

/** A field's error from the server (its `param`), shown under the field and tied to it for screen readers. */
function FieldError({ id, error }: { id: string; error: ApiFailure | null }) {
  if (!error || error.param !== id) return null;
  return <small id={`${id}-error`} className="error field-error" role="alert">{error.message}</small>;
}

/** The request fields that are folded under "Advanced settings". */
const ADVANCED = new Set(['seed', 'steps', 'guidance', 'scheduler']);
/** The request fields whose errors have a place next to their field; any other error shows above Generate. */
const PLACED = new Set([...ADVANCED, 'prompt', 'negative_prompt']);

export function CreatePage({ remixOf, effectOf, extendOf }: { remixOf: string | null; effectOf?: string | null; extendOf?: string | null }) {
  const [prompt, setPrompt] = useState('');
  const [negative, setNegative] = useState('');
  const [model, setModel] = useState('');
  const [seed, setSeed] = useState('');
  const [steps, setSteps] = useState('');
  const [cfg, setCfg] = useState('');
  const [scheduler, setScheduler] = useState('');
  const [camera, setCamera] = useState('');
  const [effectId, setEffectId] = useState(effectOf ?? '');
  const [effects, setEffects] = useState<EffectTemplate[]>([]);
  const [models, setModels] = useState<Model[]>([]);
  const [check, setCheck] = useState<Check | null>(null);
  const [balance, setBalance] = useState<Balance | null>(null);
  const [parent, setParent] = useState<Video | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  const [busy, setBusy] = useState(false);
  const [advancedOpen, setAdvancedOpen] = useState(false);
  const [image, setImage] = useState<Picture | null>(null);
  const [lastImage, setLastImage] = useState<Picture | null>(null);
  const [aspect, setAspect] = useState('');
  const [duration, setDuration] = useState('');
  const [source, setSource] = useState<Task | null>(null);

  useEffect(() => {
    void api<{ data: Model[] }>('GET', '/api/models').then((r) => {
      setModels(r.data);
      setModel((m) => m || (r.data.find((x) => x.default) ?? r.data[0])?.id || '');
    });
    void api<Balance>('GET', '/api/balance').then(setBalance);
    void api<{ data: EffectTemplate[] }>('GET', '/api/effects').then((r) => setEffects(r.data), () => undefined);
  }, []);

  useEffect(() => {
    if (!remixOf) return;
    void api<Video>('GET', `/api/videos/${encodeURIComponent(remixOf)}`).then((v) => {
      setParent(v);
      setPrompt(v.prompt);
      setNegative(v.negative_prompt ?? '');
      setModel(v.model);
      setSeed(String(v.params.seed));
      if (v.params.steps) setSteps(String(v.params.steps));
      if (typeof v.params.guidance === 'number') setCfg(String(v.params.guidance));
      if (v.params.scheduler) setScheduler(v.params.scheduler);
      setAdvancedOpen(true);
    }, (e) => setError(e as ApiFailure));
  }, [remixOf]);

  useEffect(() => {
    if (!extendOf) return;
    void api<Task>('GET', `/api/tasks/${encodeURIComponent(extendOf)}`).then((t) => {
      setSource(t);
      setPrompt(t.prompt);
      setModel(t.model);
    }, (e) => setError(e as ApiFailure));
  }, [extendOf]);

  const effect = effects.find((e) => e.id === effectId);
  const sent = composePrompt(prompt, effect, camera);

  useEffect(() => {
    if (!sent.trim()) {
      setCheck(null);
      return;
    }
    const t = setTimeout(() => {
      void api<Check>('POST', '/api/prompt/check', { prompt: sent, negative_prompt: negative || undefined }).then(setCheck, () => undefined);
    }, 200);
    return () => clearTimeout(t);
  }, [sent, negative]);

  const unknown = useMemo(() => new Set([...(check?.unknown_words ?? [])]), [check]);
  const shape = models.find((m) => m.id === model);
  const caps = shape?.capabilities;
  const aspects = caps?.aspects ?? ['1:1'];
  const durations = caps?.durations ?? [shape?.seconds ?? '2'];
  const seconds = duration || durations[0] || '2';
  const sourceSeconds = source ? Number((source.params as { seconds?: string }).seconds ?? 0) : 0;
  const pricePerClip = shape?.price_per_clip ?? balance?.price_per_clip ?? 1;
  // priced per second when the model's lengths vary (rounded up to whole credits per clip), else per clip
  const cost = shape?.price_per_second != null ? Math.ceil(shape.price_per_second * Number(seconds) - 1e-9) : pricePerClip;

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = { prompt: sent, model: model || undefined };
      if (negative.trim()) body.negative_prompt = negative;
      if (seed !== '') body.seed = Number(seed);
      if (steps !== '') body.steps = Number(steps);
      if (cfg !== '') body.guidance = Number(cfg);
      if (scheduler) body.scheduler = scheduler;
      if (parent) body.remixed_from = parent.id;
      if (duration) body.seconds = duration;
      if (source) body.extend = source.id;
      else {
        if (aspect) body.aspect_ratio = aspect;
        if (image) body.image = image.dataUrl;
        if (lastImage) body.last_image = lastImage.dataUrl;
      }
      const task = await api<Task>('POST', '/api/tasks', body);
      navigate(`/tasks?new=${task.id}`);
    } catch (e) {
      const failure = e instanceof ApiFailure ? e : new ApiFailure(0, String(e));
      setError(failure);
      // A field's error is shown next to the field: unfold it and move focus there, so it is seen and heard.
      const field = failure.param === 'guidance' ? 'cfg' : failure.param;
      if (field && ADVANCED.has(failure.param!)) setAdvancedOpen(true);
      if (field) setTimeout(() => document.getElementById(`f-${field}`)?.focus(), 0);
    } finally {
      setBusy(false);
    }
  };

  const title = source ? 'Extend' : parent ? 'Remix' : 'Create';
  usePageTitle(title);
  // Server messages name the field ("steps: must be …"); next to the field the name is already said.
  const fieldError = (id: string) => error?.param === id ? { 'aria-invalid': true, 'aria-describedby': `${id}-error` } : {};
  const fresh = !source && !parent;
  return (
    <section>
      <h1>{title}</h1>
      {fresh && <p className="note intro">Describe an animal or a thing, what it does and where: the built-in model draws short cartoon clips of that. Try one:</p>}
      {fresh && <Examples onPick={(text) => { setPrompt(text); document.getElementById('f-prompt')?.focus(); }} />}
      {source && <p className="note" data-testid="extend-of">Extending <a {...linkProps(`/v/${source.id}`)}>“{source.prompt}”</a> ({sourceSeconds} s): the new video is it followed by {seconds} s more ({sourceSeconds + Number(seconds)} s in all).</p>}
      {parent && <p className="note" data-testid="remix-of">Remixing <a {...linkProps(`/v/${parent.id}`)}>“{parent.prompt}”</a> by {parent.author}</p>}
      <form className="card stack" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <div className="field"><label htmlFor="f-prompt">Prompt</label><textarea id="f-prompt" name="prompt" rows={3} required={!image && !lastImage && !source} maxLength={2500} value={prompt} onChange={(e) => setPrompt(e.target.value)}
            placeholder="a cat bounces on the beach" aria-describedby="prompt-check" /><FieldError id="prompt" error={error} /></div>
        <div id="prompt-check" className="check" aria-live="polite">
          {prompt.trim() && <p className="preview"><Highlighted text={prompt} unknown={unknown} /></p>}
          {sent !== prompt.trim() && prompt.trim() && <p className="note" data-testid="prompt-sent">Prompt sent: <Highlighted text={sent} unknown={unknown} /></p>}
          {check?.reading && <ReadingChips reading={check.reading} />}
          {check && check.unknown_words.length > 0 && <p className="warn" data-testid="unknown-words">The model cannot use: {check.unknown_words.join(', ')}. They will be ignored.</p>}
          {check?.reading && !check.reading.usable && !image && !lastImage && !source && <p className="warn" data-testid="prompt-unusable">Nothing here is something the model can draw: name one of its objects, a motion and a place (English or Chinese), e.g. “a fox runs left in the snow”.</p>}
          {check && check.unknown_words.length === 0 && check.reading?.usable !== false && <p className="ok">The model can use every word.</p>}
          {check && check.truncated.length > 0 && <p className="warn">Too long: “{check.truncated.join(' ')}” will be cut off.</p>}
        </div>
        <div className="field"><label htmlFor="f-negative_prompt">Negative prompt</label><input id="f-negative_prompt" name="negative_prompt" value={negative} onChange={(e) => setNegative(e.target.value)} placeholder="what to avoid" {...fieldError('negative_prompt')} /><FieldError id="negative_prompt" error={error} /></div>
        {check && check.negative_unknown_words.length > 0 && <p className="warn">Not known in the negative prompt: {check.negative_unknown_words.join(', ')}</p>}
        {!source && <div className="grid-fields">
          <PictureField id="image" label="First frame (picture)" picture={image} onChange={setImage} disabled={caps ? !caps.image : false} />
          <PictureField id="last_image" label="Last frame (picture)" picture={lastImage} onChange={setLastImage} disabled={caps ? !caps.lastFrame : false} />
        </div>}
        <div className="grid-fields">
          <div className="field"><label htmlFor="f-effect">Effect template</label><select id="f-effect" name="effect" value={effectId} onChange={(e) => setEffectId(e.target.value)} aria-describedby="effect-note">
              <option value="">None</option>
              {effects.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
            </select>
            <small id="effect-note">{effect ? `${effect.description} Adds “${effect.prompt_fragment}”.` : <a {...linkProps('/effects')}>Browse the effects</a>}</small></div>
          <div className="field"><label htmlFor="f-camera">Camera move</label><select id="f-camera" name="camera" value={camera} onChange={(e) => setCamera(e.target.value)}>
              {CAMERA_MOVES.map(([id, label]) => <option key={id} value={id}>{label}</option>)}
            </select></div>
          <div className="field"><label htmlFor="f-model">Model</label><select id="f-model" name="model" value={model} onChange={(e) => setModel(e.target.value)}>
              {models.map((m) => <option key={m.id} value={m.id}>{m.id}</option>)}
            </select></div>
          <div className="field"><label htmlFor="f-aspect_ratio">Aspect ratio</label><select id="f-aspect_ratio" name="aspect_ratio" value={aspect} disabled={Boolean(source)} onChange={(e) => setAspect(e.target.value)}>
              <option value="">{source ? 'the video\'s own' : image ? 'the picture\'s (nearest)' : `default (${aspects[0]})`}</option>
              {aspects.map((a) => <option key={a} value={a}>{a}</option>)}
            </select></div>
          <div className="field"><label htmlFor="f-duration">{source ? 'Seconds to add' : 'Duration'}</label><select id="f-duration" name="duration" value={seconds} onChange={(e) => setDuration(e.target.value)}>
              {[...durations].sort((a, b) => Number(a) - Number(b)).map((d) => <option key={d} value={d}>{d} s{d === durations[0] ? ' (default)' : ''}</option>)}
            </select></div>
        </div>
        {/* Sampling settings most people never touch: folded, each with one line on what it does. Opened for a
            remix (its values are filled in) and when the server points at one of them. */}
        <details className="advanced" open={advancedOpen} onToggle={(e) => setAdvancedOpen((e.target as HTMLDetailsElement).open)}>
          <summary>Advanced settings</summary>
          <div className="grid-fields">
            <div className="field"><label htmlFor="f-seed">Seed</label><input id="f-seed" name="seed" type="number" min={0} max={2147483647} value={seed} onChange={(e) => setSeed(e.target.value)} placeholder="random" aria-describedby={error?.param === 'seed' ? 'seed-error' : 'seed-help'} aria-invalid={error?.param === 'seed' || undefined} />
              <small id="seed-help">The same seed and prompt give the same video; leave empty for a new one each time.</small><FieldError id="seed" error={error} /></div>
            <div className="field"><label htmlFor="f-steps">Steps</label><input id="f-steps" name="steps" type="number" min={1} max={1000} value={steps} onChange={(e) => setSteps(e.target.value)} placeholder="model default" aria-describedby={error?.param === 'steps' ? 'steps-error' : 'steps-help'} aria-invalid={error?.param === 'steps' || undefined} />
              <small id="steps-help">{Number(steps) > 50 ? <span className="warn">Many steps make a slow job for little gain.</span> : 'More steps draw more carefully and take longer.'}</small><FieldError id="steps" error={error} /></div>
            <div className="field"><label htmlFor="f-cfg">CFG (guidance)</label><input id="f-cfg" name="cfg" type="number" min={0} max={100} step={0.5} value={cfg} onChange={(e) => setCfg(e.target.value)} placeholder="model default" aria-describedby={error?.param === 'guidance' ? 'guidance-error' : 'cfg-help'} aria-invalid={error?.param === 'guidance' || undefined} />
              <small id="cfg-help">How closely the video follows the prompt; high values look harsh.</small><FieldError id="guidance" error={error} /></div>
            <div className="field"><label htmlFor="f-scheduler">Sampler</label><select id="f-scheduler" name="scheduler" value={scheduler} onChange={(e) => setScheduler(e.target.value)} aria-describedby="scheduler-help">
                <option value="">model default</option><option value="euler">Euler</option><option value="heun">Heun</option>
              </select>
              <small id="scheduler-help">Heun is sharper at few steps and takes twice as long per step.</small><FieldError id="scheduler" error={error} /></div>
          </div>
        </details>
        <div className="submit-bar">
        <p className="cost" data-testid="cost">
          Cost: <strong>{cost} credit{cost === 1 ? '' : 's'}</strong>
          {shape?.price_per_second != null && <> · {+shape.price_per_second.toFixed(3)} credits per second of video</>}
          {balance && <> · balance {balance.balance}</>}
        </p>
        {error && !PLACED.has(error.param ?? '') && <p role="alert" className="error">{error.message}</p>}
        <div className="row"><button type="submit" disabled={busy || (!prompt.trim() && !image && !lastImage && !source)} aria-keyshortcuts="Control+Enter Meta+Enter">{source ? 'Extend' : parent ? 'Generate remix' : 'Generate'}</button>
          <small className="note shortcut">or Ctrl+Enter</small></div>
        </div>
      </form>
      {fresh && <Knows />}
      {fresh && <Gallery />}
    </section>
  );
}
