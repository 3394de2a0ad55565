import { useCallback, useEffect, useState } from 'react';
import { useEstimate } from '../use-estimate';
import { api, ApiFailure, type AdBatch, type AdBatchEstimate, type AdBatchSummary, type EffectTemplate } from '../api';
import { linkProps, navigate } from '../router';
import { usePageTitle } from '../a11y';

interface Model { id: string; default: boolean }

const ASPECTS: [string, string][] = [['9:16', '9:16 vertical (stories, reels)'], ['1:1', '1:1 square (feeds)'], ['16:9', '16:9 landscape (video sites)']];
const ACTIVE = new Set(['queued', 'running', 'assembling']);

/** Ad batches: one product, its selling points, templates × aspect ratios × seeds → many captioned variants in one zip. */
export function BatchesPage({ batchId }: { batchId: string | null }) {
  usePageTitle(batchId ? 'Ad batch' : 'Ads');
  return batchId ? <BatchProgress id={batchId} /> : <BatchForm />;
}

function BatchForm() {
  const [subject, setSubject] = useState('');
  const [name, setName] = useState('');
  const [points, setPoints] = useState('');
  const [templates, setTemplates] = useState<string[]>([]);
  const [aspects, setAspects] = useState<string[]>(['9:16', '1:1', '16:9']);
  const [count, setCount] = useState('12');
  const [captions, setCaptions] = useState<'burned' | 'subtitles'>('burned');
  const [model, setModel] = useState('');
  const [effects, setEffects] = useState<EffectTemplate[]>([]);
  const [models, setModels] = useState<Model[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [recent, setRecent] = useState<AdBatchSummary[]>([]);

  useEffect(() => {
    void api<{ data: EffectTemplate[] }>('GET', '/api/effects').then((r) => {
      setEffects(r.data);
      setTemplates((t) => (t.length ? t : r.data.slice(0, 2).map((x) => x.id)));
    }, () => undefined);
    void api<{ data: Model[] }>('GET', '/api/models').then((r) => {
      setModels(r.data);
      setModel((m) => m || (r.data.find((x) => x.default) ?? r.data[0])?.id || '');
    });
    void api<{ data: AdBatchSummary[] }>('GET', '/api/batches?limit=10').then((r) => setRecent(r.data), () => undefined);
  }, []);

  const body = {
    name: name.trim(), product: { subject: subject.trim() },
    selling_points: points.split('\n').map((p) => p.trim()).filter(Boolean),
    templates, aspect_ratios: aspects, count: Number(count), captions, model: model || undefined,
  };
  const ready = body.name && body.product.subject && templates.length > 0 && aspects.length > 0 && Number.isInteger(body.count) && body.count >= 1;

  // The cost estimate, live: asked again (debounced) whenever the form changes.
  const { estimate, estimateError } = useEstimate<AdBatchEstimate>('/api/batches/estimate', ready ? body : null);

  const toggle = (list: string[], set: (v: string[]) => void, id: string) => set(list.includes(id) ? list.filter((x) => x !== id) : [...list, id]);

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const batch = await api<AdBatch>('POST', '/api/batches', body);
      navigate(`/ads?id=${encodeURIComponent(batch.id)}`);
    } catch (e) {
      setError(e instanceof ApiFailure ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h1>Ads</h1>
      <p className="note">One product, its selling points and a few templates become many short ads: every template in every aspect ratio, with new seeds until the count is reached, each captioned. You get one zip with a manifest.</p>
      <form className="card stack" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <div className="grid-fields">
          <div className="field"><label htmlFor="b-subject">Product (as the model knows it)</label>
            <input id="b-subject" name="subject" required maxLength={200} value={subject} onChange={(e) => setSubject(e.target.value)} placeholder="a red apple" aria-describedby="b-subject-note" />
            <small id="b-subject-note">A phrase such as “a red apple”. Product photos are not supported yet.</small></div>
          <div className="field"><label htmlFor="b-name">Product name</label>
            <input id="b-name" name="name" required maxLength={80} value={name} onChange={(e) => setName(e.target.value)} placeholder="Crunchy Apple" /></div>
        </div>
        <div className="field"><label htmlFor="b-points">Selling points (one a line, used in turn in the captions)</label>
          <textarea id="b-points" name="selling_points" rows={3} value={points} onChange={(e) => setPoints(e.target.value)} placeholder={'100% organic\nPicked today'} /></div>
        <fieldset className="choices">
          <legend>Templates</legend>
          {effects.map((t) => (
            <label key={t.id} className="choice"><input type="checkbox" name="templates" value={t.id} checked={templates.includes(t.id)} onChange={() => toggle(templates, setTemplates, t.id)} />{t.name} <small>({t.prompt_fragment})</small></label>
          ))}
        </fieldset>
        <fieldset className="choices">
          <legend>Aspect ratios</legend>
          {ASPECTS.map(([id, label]) => (
            <label key={id} className="choice"><input type="checkbox" name="aspect_ratios" value={id} checked={aspects.includes(id)} onChange={() => toggle(aspects, setAspects, id)} />{label}</label>
          ))}
        </fieldset>
        <div className="grid-fields">
          <div className="field"><label htmlFor="b-count">Variants</label>
            <input id="b-count" name="count" type="number" min={1} max={500} required value={count} onChange={(e) => setCount(e.target.value)} /></div>
          <div className="field"><label htmlFor="b-captions">Captions</label>
            <select id="b-captions" name="captions" value={captions} onChange={(e) => setCaptions(e.target.value as 'burned' | 'subtitles')}>
              <option value="burned">Burned into the video</option><option value="subtitles">As .srt subtitles</option>
            </select></div>
          <div className="field"><label htmlFor="b-model">Model</label>
            <select id="b-model" name="model" value={model} onChange={(e) => setModel(e.target.value)}>
              {models.map((m) => <option key={m.id} value={m.id}>{m.id}</option>)}
            </select></div>
        </div>
        <div className="check" aria-live="polite" data-testid="estimate">
          {estimate && <p className="cost"><strong>{estimate.count} variants × {estimate.price_per_clip} credit{estimate.price_per_clip === 1 ? '' : 's'} = {estimate.total_credits} credits</strong> · balance {estimate.balance}{estimate.affordable ? '' : ' — not enough credits'}</p>}
          {estimate && estimate.unknown_words.length > 0 && <p className="warn" data-testid="unknown-words">The model does not know: {estimate.unknown_words.join(', ')}. They will be ignored.</p>}
          {estimate && estimate.sample_captions.length > 0 && <p className="note">Captions: {estimate.sample_captions.map((c) => `“${c}”`).join(' · ')}</p>}
          {estimateError && <p className="warn">{estimateError}</p>}
        </div>
        {error && <p role="alert" className="error">{error}</p>}
        <div className="row"><button type="submit" disabled={busy || !ready || (estimate !== null && !estimate.affordable)}>Make the ads</button></div>
      </form>
      {recent.length > 0 && (
        <>
          <h2>Recent batches</h2>
          <ul className="tasks">
            {recent.map((b) => (
              <li key={b.id} className="card task" data-batch-id={b.id}>
                <div className="task-head"><a {...linkProps(`/ads?id=${encodeURIComponent(b.id)}`)}><strong>{b.name}</strong></a><span className={`status ${b.status}`}>{b.status}</span></div>
                <small>{b.product.subject} · {b.count} variants · {b.counts.succeeded} delivered · {new Date(b.created_at).toLocaleString()}</small>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function BatchProgress({ id }: { id: string }) {
  const [batch, setBatch] = useState<AdBatch | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Templates by id, so the results name them as the form did ("Inflate", not its Kling id "expansion").
  const [names, setNames] = useState<Map<string, string>>(new Map());
  useEffect(() => void api<{ data: EffectTemplate[] }>('GET', '/api/effects').then((r) => setNames(new Map(r.data.map((t) => [t.id, t.name]))), () => undefined), []);
  const nameOf = (id: string) => names.get(id) ?? id;
  const load = useCallback(() => api<AdBatch>('GET', `/api/batches/${encodeURIComponent(id)}`).then(setBatch, (e) => setError((e as Error).message)), [id]);
  useEffect(() => void load(), [load]);
  // Polls the combined progress document while the batch runs (one request covers every variant).
  useEffect(() => {
    if (!batch || !ACTIVE.has(batch.status)) return;
    const t = setTimeout(() => void load(), 1000);
    return () => clearTimeout(t);
  }, [batch, load]);

  const cancel = async () => {
    setBatch(await api<AdBatch>('POST', `/api/batches/${encodeURIComponent(id)}/cancel`));
  };

  if (error) return <section><h1>Ads</h1><p role="alert" className="error">{error}</p><a {...linkProps('/ads')}>New batch</a></section>;
  if (!batch) return <section><h1>Ads</h1><p>Loading…</p></section>;
  const c = batch.counts;
  return (
    <section>
      <h1>{batch.name}</h1>
      <div className="card stack" data-testid="batch" data-status={batch.status}>
        <div className="task-head"><span>{batch.product.subject} · {batch.count} variants · {batch.templates.map(nameOf).join(', ')} · {batch.aspect_ratios.join(', ')}</span><span className={`status ${batch.status}`} data-testid="batch-status">{batch.status}</span></div>
        <progress max={100} value={batch.progress} aria-label="Progress of the batch">{batch.progress}%</progress>
        <small data-testid="batch-counts">{batch.progress}% · {c.succeeded} delivered · {c.running} running · {c.queued} queued · {c.failed} failed{c.cancelled ? ` · ${c.cancelled} cancelled` : ''}{c.retries ? ` · ${c.retries} retried` : ''}{batch.status === 'assembling' ? ` · packing ${batch.assembled}/${c.succeeded}` : ''}</small>
        {batch.unknown_words.length > 0 && <p className="warn">The model does not know: {batch.unknown_words.join(', ')}</p>}
        {batch.error && <p className="error">{batch.error.message}</p>}
        <div className="row">
          {batch.zip && <a className="button" href={batch.zip.download_url} download data-testid="download">Download zip ({Math.ceil(batch.zip.bytes / 1024)} KB)</a>}
          {ACTIVE.has(batch.status) && <button type="button" className="secondary" onClick={() => void cancel()}>Cancel</button>}
          <a {...linkProps('/ads')}>New batch</a>
        </div>
      </div>
      <div className="table-scroll"><table className="keys variants">
        <caption className="sr-only">Variants</caption>
        <thead><tr><th>#</th><th>Template</th><th>Aspect</th><th>Seed</th><th>Caption</th><th>Status</th></tr></thead>
        <tbody>
          {batch.variants.map((v) => (
            <tr key={v.index} data-status={v.status}>
              <td>{v.index + 1}</td><td>{nameOf(v.template)}</td><td>{v.aspect_ratio}</td><td>{v.seed}</td><td>{v.caption}</td>
              <td><span className={`status ${v.status}`} title={v.error?.message}>{v.status}{v.status === 'running' ? ` ${v.progress}%` : ''}{v.attempts > 1 ? ` (try ${v.attempts})` : ''}</span>
                {v.video_url && <> <a href={v.video_url} aria-label={`Clip of variant ${v.index + 1}`}>clip</a></>}</td>
            </tr>
          ))}
        </tbody>
      </table></div>
    </section>
  );
}
