import { useEffect, useMemo, useState } from 'react';
import { api, ApiFailure, type EffectTemplate, type Task, type Video } from '../api';
import { linkProps, navigate } from '../router';

interface Check { unknown_words: string[]; negative_unknown_words: string[]; truncated: string[]; price_per_clip: number }
interface Balance { balance: number; price_per_clip: number }
interface Model { id: string; default: boolean; seconds: string; width: number; height: number }

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

/** The prompt with the words the model does not know marked. */
function Highlighted({ text, unknown }: { text: string; unknown: Set<string> }) {
  const parts = text.split(/([A-Za-z0-9']+)/);
  return <>{parts.map((p, i) => unknown.has(p.toLowerCase()) ? <mark key={i} className="unknown">{p}</mark> : <span key={i}>{p}</span>)}</>;
}

export function CreatePage({ remixOf, effectOf }: { remixOf: string | null; effectOf?: string | null }) {
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
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

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
    }, (e) => setError((e as Error).message));
  }, [remixOf]);

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
      const task = await api<Task>('POST', '/api/tasks', body);
      navigate(`/tasks?new=${task.id}`);
    } catch (e) {
      setError(e instanceof ApiFailure ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h1>{parent ? 'Remix' : 'Create'}</h1>
      {parent && <p className="note" data-testid="remix-of">Remixing <a {...linkProps(`/v/${parent.id}`)}>“{parent.prompt}”</a> by {parent.author}</p>}
      <form className="card stack" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <div className="field"><label htmlFor="f-prompt">Prompt</label><textarea id="f-prompt" name="prompt" rows={3} required maxLength={2500} value={prompt} onChange={(e) => setPrompt(e.target.value)}
            placeholder="a red cat bounces on the beach" aria-describedby="prompt-check" /></div>
        <div id="prompt-check" className="check" aria-live="polite">
          {prompt.trim() && <p className="preview"><Highlighted text={prompt} unknown={unknown} /></p>}
          {sent !== prompt.trim() && prompt.trim() && <p className="note" data-testid="prompt-sent">Prompt sent: <Highlighted text={sent} unknown={unknown} /></p>}
          {check && check.unknown_words.length > 0 && <p className="warn" data-testid="unknown-words">The model does not know: {check.unknown_words.join(', ')}. They will be ignored.</p>}
          {check && check.unknown_words.length === 0 && <p className="ok">The model knows every word.</p>}
          {check && check.truncated.length > 0 && <p className="warn">Too long: “{check.truncated.join(' ')}” will be cut off.</p>}
        </div>
        <div className="field"><label htmlFor="f-negative_prompt">Negative prompt</label><input id="f-negative_prompt" name="negative_prompt" value={negative} onChange={(e) => setNegative(e.target.value)} placeholder="what to avoid" /></div>
        {check && check.negative_unknown_words.length > 0 && <p className="warn">Not known in the negative prompt: {check.negative_unknown_words.join(', ')}</p>}
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
          <div className="field"><label htmlFor="f-aspect_ratio">Aspect ratio</label><select id="f-aspect_ratio" name="aspect_ratio" value="1:1" onChange={() => undefined}><option value="1:1">1:1 (the only one this model makes)</option></select></div>
          <div className="field"><label htmlFor="f-duration">Duration</label><select id="f-duration" name="duration" value={shape?.seconds ?? '2'} onChange={() => undefined}><option value={shape?.seconds ?? '2'}>{shape?.seconds ?? '2'} s</option></select></div>
          <div className="field"><label htmlFor="f-seed">Seed</label><input id="f-seed" name="seed" type="number" min={0} max={2147483647} value={seed} onChange={(e) => setSeed(e.target.value)} placeholder="random" /></div>
          <div className="field"><label htmlFor="f-steps">Steps</label><input id="f-steps" name="steps" type="number" min={1} max={1000} value={steps} onChange={(e) => setSteps(e.target.value)} placeholder="model default" /></div>
          <div className="field"><label htmlFor="f-cfg">CFG (guidance)</label><input id="f-cfg" name="cfg" type="number" min={0} max={100} step={0.5} value={cfg} onChange={(e) => setCfg(e.target.value)} placeholder="model default" /></div>
          <div className="field"><label htmlFor="f-scheduler">Sampler</label><select id="f-scheduler" name="scheduler" value={scheduler} onChange={(e) => setScheduler(e.target.value)}>
              <option value="">model default</option><option value="euler">Euler</option><option value="heun">Heun</option>
            </select></div>
        </div>
        <p className="cost" data-testid="cost">
          Cost: <strong>{balance?.price_per_clip ?? check?.price_per_clip ?? '…'} credit{(balance?.price_per_clip ?? 1) === 1 ? '' : 's'}</strong>
          {balance && <> · balance {balance.balance}</>}
        </p>
        {error && <p role="alert" className="error">{error}</p>}
        <div className="row"><button type="submit" disabled={busy || !prompt.trim()}>{parent ? 'Generate remix' : 'Generate'}</button></div>
      </form>
    </section>
  );
}
