import { useEffect, useMemo, useState } from 'react';
import { api, ApiFailure, type EffectTemplate, type Task, type Video } from '../api';
import { linkProps, navigate } from '../router';
import { usePageTitle } from '../a11y';
import { Examples, Gallery, Knows } from './CreateGuide';
import { useT, type PlainKey, type Translator } from '../i18n';
import { errorText } from '../i18n/errors';
import { effectDescription, effectName } from '../i18n/effects';
import { cameraPhraseZh, conceptWord, effectPhraseZh, isChinese } from '../concept-words';
import { aboutTime } from '../progress-words';
import { estimateTime } from '../time-estimate';

/** How the model read the prompt (POST /api/prompt/check, world/normalise.ts). */
interface Reading { caption: string; concepts: Record<string, string | number>; unused: string[]; usable: boolean }
interface Check { unknown_words: string[]; negative_unknown_words: string[]; truncated: string[]; price_per_clip: number; reading?: Reading }
interface Balance { balance: number; price_per_clip: number }
interface Model {
  id: string; default: boolean; seconds: string; width: number; height: number;
  capabilities?: { image: boolean; lastFrame: boolean; extend: boolean; aspects: string[]; durations: string[] };
  price_per_clip: number; price_per_second: number | null; max_video_seconds?: number;
  /** What a task of default settings takes now (run and queue wait), for the time estimate. */
  default_steps?: number | null; max_steps?: number; expected_run_s?: number; queue_wait_s?: number;
}

/** A picture the user chose, read as a data: URL (the API takes it as is; it is checked and stored server-side). */
interface Picture { name: string; dataUrl: string }

function readPicture(file: File, t: Translator): Promise<Picture> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve({ name: file.name, dataUrl: String(reader.result) });
    reader.onerror = () => reject(reader.error ?? new Error(t('create.readFailed')));
    reader.readAsDataURL(file);
  });
}

/** A drop zone that is also a file picker: drop a PNG, JPEG or WebP on it, or choose one. */
function PictureField({ id, label, picture, onChange, disabled }: { id: string; label: string; picture: Picture | null; onChange: (p: Picture | null) => void; disabled?: boolean }) {
  const t = useT();
  const [over, setOver] = useState(false);
  const take = async (file: File | undefined) => file && onChange(await readPicture(file, t));
  return (
    <div className={`field drop${over ? ' over' : ''}`} data-testid={`drop-${id}`}
      onDragOver={(e) => { e.preventDefault(); setOver(true); }} onDragLeave={() => setOver(false)}
      onDrop={(e) => { e.preventDefault(); setOver(false); void take(e.dataTransfer.files[0]); }}>
      <label htmlFor={`f-${id}`}>{label}</label>
      <input id={`f-${id}`} name={id} type="file" accept="image/png,image/jpeg,image/webp" disabled={disabled} onChange={(e) => void take(e.target.files?.[0])} />
      {picture && <span className="row"><img className="thumb" src={picture.dataUrl} alt={t('create.pictureAlt', { label, name: picture.name })} /><button type="button" className="secondary" onClick={() => onChange(null)}>{t('create.removePicture')}</button></span>}
      {!picture && <small>{disabled ? t('create.noPictures') : t('create.dropPicture')}</small>}
    </div>
  );
}

/** Camera moves and the caption phrase the model knows for each (src/world/lexicon.ts CAMERA_WORDS). */
const CAMERA_MOVES: [string, PlainKey, string][] = [
  ['', 'camera.none', ''],
  ['pan_left', 'camera.pan_left', 'the camera pans left'],
  ['pan_right', 'camera.pan_right', 'the camera pans right'],
  ['tilt_up', 'camera.tilt_up', 'the camera tilts up'],
  ['tilt_down', 'camera.tilt_down', 'the camera tilts down'],
  ['zoom_in', 'camera.zoom_in', 'the camera zooms in'],
  ['zoom_out', 'camera.zoom_out', 'the camera zooms out'],
];

/** The effect's phrase as it is appended: Chinese to a Chinese prompt (the normaliser reads both), else the template's. */
const effectPhrase = (effect: EffectTemplate | undefined, chinese: boolean) =>
  !effect ? '' : chinese ? effectPhraseZh(effect.effect) || effect.prompt_fragment : effect.prompt_fragment;

/**
 * The prompt sent: the user's words, then the effect template's fragment, then the camera phrase — in Chinese, with
 * Chinese punctuation, when the prompt is written in Chinese ("一只猫在沙漠里，融化，镜头拉近").
 */
export function composePrompt(prompt: string, effect: EffectTemplate | undefined, camera: string): string {
  const chinese = isChinese(prompt);
  const phrase = chinese ? cameraPhraseZh(camera) : CAMERA_MOVES.find(([id]) => id === camera)?.[2] ?? '';
  const parts = [prompt.trim().replace(/[.!,。！，]+$/, ''), effectPhrase(effect, chinese), phrase].filter(Boolean);
  return parts.length > 1 ? parts.join(chinese ? '，' : ', ') : parts[0] ?? '';
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
const CONCEPT_ORDER = ['object', 'count', 'motion', 'object2', 'speed', 'background', 'effect', 'camera'] as const;
function ReadingChips({ reading }: { reading: Reading }) {
  const t = useT();
  const shown = CONCEPT_ORDER.filter((k) => reading.concepts[k] !== undefined);
  if (!shown.length) return null;
  const value = (k: (typeof CONCEPT_ORDER)[number]) => k === 'count' ? String(reading.concepts[k]) : conceptWord(k, String(reading.concepts[k]), t.lang);
  return (
    <p className="chips" data-testid="prompt-reading">
      {t('create.understood')}{shown.map((k) => <span key={k} className="chip" data-testid={`concept-${k}`}>{t(`concept.${k}`)} {value(k)}</span>)}
    </p>
  );
}

/** A field's error from the server (its `param`), shown under the field and tied to it for screen readers. */
function FieldError({ id, error }: { id: string; error: ApiFailure | null }) {
  const t = useT();
  if (!error || error.param !== id) return null;
  return <small id={`${id}-error`} className="error field-error" role="alert">{errorText(error, t)}</small>;
}

/** The request fields that are folded under "Advanced settings". */
const ADVANCED = new Set(['seed', 'steps', 'guidance', 'scheduler']);
/** The request fields whose errors have a place next to their field; any other error shows above Generate. */
const PLACED = new Set([...ADVANCED, 'prompt', 'negative_prompt']);

export function CreatePage({ remixOf, effectOf, extendOf }: { remixOf: string | null; effectOf?: string | null; extendOf?: string | null }) {
  const t = useT();
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
  // How long it will take with these settings: the model's measured run scaled by steps and length, plus the queue.
  const time = shape ? estimateTime(shape, { steps: steps === '' ? null : Number(steps), seconds }) : null;

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

  const title = t(source ? 'create.titleExtend' : parent ? 'create.titleRemix' : 'create.title');
  usePageTitle(title);
  // Server messages name the field ("steps: must be …"); next to the field the name is already said.
  const fieldError = (id: string) => error?.param === id ? { 'aria-invalid': true, 'aria-describedby': `${id}-error` } : {};
  const fresh = !source && !parent;
  return (
    <section>
      <h1>{title}</h1>
      {fresh && <p className="note intro">{t('create.intro')}</p>}
      {fresh && <Examples onPick={(text) => { setPrompt(text); document.getElementById('f-prompt')?.focus(); }} />}
      {source && <p className="note" data-testid="extend-of">{t.rich('create.extending', { link: <a key="link" translate="no" {...linkProps(`/v/${source.id}`)}>“{source.prompt}”</a>, source: sourceSeconds, seconds, total: sourceSeconds + Number(seconds) })}</p>}
      {parent && <p className="note" data-testid="remix-of">{t.rich('create.remixing', { link: <a key="link" translate="no" {...linkProps(`/v/${parent.id}`)}>“{parent.prompt}”</a>, author: parent.author })}</p>}
      <form className="card stack" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <div className="field"><label htmlFor="f-prompt">{t('create.prompt')}</label><textarea id="f-prompt" name="prompt" rows={3} required={!image && !lastImage && !source} maxLength={2500} value={prompt} onChange={(e) => setPrompt(e.target.value)}
            placeholder={t('create.promptPlaceholder')} aria-describedby="prompt-check" /><FieldError id="prompt" error={error} /></div>
        <div id="prompt-check" className="check" aria-live="polite">
          {prompt.trim() && <p className="preview" translate="no"><Highlighted text={prompt} unknown={unknown} /></p>}
          {sent !== prompt.trim() && prompt.trim() && <p className="note" data-testid="prompt-sent">{t('create.promptSent')}<span translate="no"><Highlighted text={sent} unknown={unknown} /></span></p>}
          {check?.reading && <ReadingChips reading={check.reading} />}
          {check && check.unknown_words.length > 0 && <p className="warn" data-testid="unknown-words">{t.rich('create.unknownWords', { words: <span key="w" translate="no">{check.unknown_words.join(', ')}</span> })}</p>}
          {check?.reading && !check.reading.usable && !image && !lastImage && !source && <p className="warn" data-testid="prompt-unusable">{t('create.unusable')}</p>}
          {check && check.unknown_words.length === 0 && check.reading?.usable !== false && <p className="ok">{t('create.allKnown')}</p>}
          {check && check.truncated.length > 0 && <p className="warn">{t.rich('create.truncated', { words: <span key="w" translate="no">{check.truncated.join(' ')}</span> })}</p>}
        </div>
        <div className="field"><label htmlFor="f-negative_prompt">{t('create.negative')}</label><input id="f-negative_prompt" name="negative_prompt" value={negative} onChange={(e) => setNegative(e.target.value)} placeholder={t('create.negativePlaceholder')} {...fieldError('negative_prompt')} /><FieldError id="negative_prompt" error={error} /></div>
        {check && check.negative_unknown_words.length > 0 && <p className="warn">{t.rich('create.negativeUnknown', { words: <span key="w" translate="no">{check.negative_unknown_words.join(', ')}</span> })}</p>}
        {!source && <div className="grid-fields">
          <PictureField id="image" label={t('create.firstFrame')} picture={image} onChange={setImage} disabled={caps ? !caps.image : false} />
          <PictureField id="last_image" label={t('create.lastFrame')} picture={lastImage} onChange={setLastImage} disabled={caps ? !caps.lastFrame : false} />
        </div>}
        <div className="grid-fields">
          <div className="field"><label htmlFor="f-effect">{t('create.effect')}</label><select id="f-effect" name="effect" value={effectId} onChange={(e) => setEffectId(e.target.value)} aria-describedby="effect-note">
              <option value="">{t('create.none')}</option>
              {effects.map((e) => <option key={e.id} value={e.id}>{effectName(e, t)}</option>)}
            </select>
            <small id="effect-note">{effect ? t('create.effectNote', { description: effectDescription(effect, t), fragment: effectPhrase(effect, isChinese(prompt)) }) : <a {...linkProps('/effects')}>{t('create.browseEffects')}</a>}</small></div>
          <div className="field"><label htmlFor="f-camera">{t('create.camera')}</label><select id="f-camera" name="camera" value={camera} onChange={(e) => setCamera(e.target.value)}>
              {CAMERA_MOVES.map(([id, label]) => <option key={id} value={id}>{t(label)}</option>)}
            </select></div>
          <div className="field"><label htmlFor="f-model">{t('create.model')}</label><select id="f-model" name="model" value={model} onChange={(e) => setModel(e.target.value)}>
              {models.map((m) => <option key={m.id} value={m.id} translate="no">{m.id}</option>)}
            </select></div>
          <div className="field"><label htmlFor="f-aspect_ratio">{t('create.aspect')}</label><select id="f-aspect_ratio" name="aspect_ratio" value={aspect} disabled={Boolean(source)} onChange={(e) => setAspect(e.target.value)}>
              <option value="">{source ? t('create.aspectVideo') : image ? t('create.aspectPicture') : t('create.aspectDefault', { aspect: aspects[0] ?? '1:1' })}</option>
              {aspects.map((a) => <option key={a} value={a}>{a}</option>)}
            </select></div>
          <div className="field"><label htmlFor="f-duration">{t(source ? 'create.secondsToAdd' : 'create.duration')}</label><select id="f-duration" name="duration" value={seconds} onChange={(e) => setDuration(e.target.value)}>
              {[...durations].sort((a, b) => Number(a) - Number(b)).map((d) => <option key={d} value={d}>{t(d === durations[0] ? 'create.durationDefault' : 'create.durationOption', { seconds: d })}</option>)}
            </select></div>
        </div>
        {/* Sampling settings most people never touch: folded, each with one line on what it does. Opened for a
            remix (its values are filled in) and when the server points at one of them. */}
        <details className="advanced" open={advancedOpen} onToggle={(e) => setAdvancedOpen((e.target as HTMLDetailsElement).open)}>
          <summary>{t('create.advanced')}</summary>
          <div className="grid-fields">
            <div className="field"><label htmlFor="f-seed">{t('create.seed')}</label><input id="f-seed" name="seed" type="number" min={0} max={2147483647} value={seed} onChange={(e) => setSeed(e.target.value)} placeholder={t('create.seedPlaceholder')} aria-describedby={error?.param === 'seed' ? 'seed-error' : 'seed-help'} aria-invalid={error?.param === 'seed' || undefined} />
              <small id="seed-help">{t('create.seedHelp')}</small><FieldError id="seed" error={error} /></div>
            <div className="field"><label htmlFor="f-steps">{t('create.steps')}</label><input id="f-steps" name="steps" type="number" min={1} max={1000} value={steps} onChange={(e) => setSteps(e.target.value)} placeholder={t('create.modelDefault')} aria-describedby={error?.param === 'steps' ? 'steps-error' : 'steps-help'} aria-invalid={error?.param === 'steps' || undefined} />
              <small id="steps-help">{Number(steps) > 50 || (steps !== '' && time?.slow) ? <span className="warn">{t('create.stepsSlow')}</span> : t('create.stepsHelp')}
                {shape?.max_steps !== undefined && ` ${t('create.stepsMax', { n: shape.max_steps })}`}</small><FieldError id="steps" error={error} /></div>
            <div className="field"><label htmlFor="f-cfg">{t('create.cfg')}</label><input id="f-cfg" name="cfg" type="number" min={0} max={100} step={0.5} value={cfg} onChange={(e) => setCfg(e.target.value)} placeholder={t('create.modelDefault')} aria-describedby={error?.param === 'guidance' ? 'guidance-error' : 'cfg-help'} aria-invalid={error?.param === 'guidance' || undefined} />
              <small id="cfg-help">{t('create.cfgHelp')}</small><FieldError id="guidance" error={error} /></div>
            <div className="field"><label htmlFor="f-scheduler">{t('create.sampler')}</label><select id="f-scheduler" name="scheduler" value={scheduler} onChange={(e) => setScheduler(e.target.value)} aria-describedby="scheduler-help">
                <option value="">{t('create.modelDefault')}</option><option value="euler">Euler</option><option value="heun">Heun</option>
              </select>
              <small id="scheduler-help">{t('create.samplerHelp')}</small><FieldError id="scheduler" error={error} /></div>
          </div>
        </details>
        {/* One compact bar that stays at the bottom of the screen: the button, what it costs and how long it takes.
            Kept to the height of the button so that on a phone it hides as little of the form as possible. */}
        <div className="submit-bar">
          {error && !PLACED.has(error.param ?? '') && <p role="alert" className="error">{errorText(error, t)}</p>}
          <div className="submit-row">
            <button type="submit" disabled={busy || (!prompt.trim() && !image && !lastImage && !source)} aria-keyshortcuts="Control+Enter Meta+Enter">{t(source ? 'create.extend' : parent ? 'create.generateRemix' : 'create.generate')}</button>
            <div className="submit-facts">
              <p className="cost" data-testid="cost">
                {t('create.cost')}<strong>{t('create.credits', { n: cost })}</strong>
                {shape?.price_per_second != null && <span className="per-second">{t('create.perSecond', { price: +shape.price_per_second.toFixed(3) })}</span>}
                {balance && t('create.balance', { balance: balance.balance })}
              </p>
              {time && <p className={time.slow ? 'time warn' : 'time'} data-testid="time-estimate">
                {t(time.slow ? 'create.timeSlow' : 'create.time', { time: aboutTime(time.runS * 1000, t) })}
                {time.waitS >= 1 && t('create.queueWait', { time: aboutTime(time.waitS * 1000, t) })}
              </p>}
            </div>
            <small className="note shortcut">{t('create.shortcut')}</small>
          </div>
        </div>
      </form>
      {fresh && <Knows />}
      {fresh && <Gallery />}
    </section>
  );
}
