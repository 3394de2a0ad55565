import { useCallback, useEffect, useState } from 'react';
import { useEstimate } from '../use-estimate';
import { api, ApiFailure, type AdBatch, type AdBatchEstimate, type AdBatchSummary, type EffectTemplate } from '../api';
import { linkProps, navigate } from '../router';
import { usePageTitle } from '../a11y';
import { LOCALE, useT } from '../i18n';
import { errorText, storedErrorText } from '../i18n/errors';
import { effectName } from '../i18n/effects';
import { effectPhraseZh } from '../concept-words';

interface Model { id: string; default: boolean }

const ASPECTS = [['9:16', 'ads.aspect.9:16'], ['1:1', 'ads.aspect.1:1'], ['16:9', 'ads.aspect.16:9']] as const;
const ACTIVE = new Set(['queued', 'running', 'assembling']);

/** A variant's clip as a small muted thumbnail: its first frame at rest, playing while pointed at or focused (twenty
 * clips playing at once would be a wall of motion), a link to the clip itself. */
function VariantPreview({ url, label }: { url: string; label: string }) {
  const play = (e: { currentTarget: HTMLElement }) => void e.currentTarget.querySelector('video')?.play().catch(() => undefined);
  const stop = (e: { currentTarget: HTMLElement }) => e.currentTarget.querySelector('video')?.pause();
  return (
    <a href={url} className="variant-preview" aria-label={label} onMouseEnter={play} onMouseLeave={stop} onFocus={play} onBlur={stop}>
      <video src={url} muted loop playsInline preload="metadata" width={72} height={72} aria-hidden="true" />
    </a>
  );
}

/** Ad batches: one product, its selling points, templates × aspect ratios × seeds → many captioned variants in one zip. */
export function BatchesPage({ batchId }: { batchId: string | null }) {
  const t = useT();
  usePageTitle(t(batchId ? 'ads.batchTitle' : 'ads.title'));
  return batchId ? <BatchProgress id={batchId} /> : <BatchForm />;
}

function BatchForm() {
  const t = useT();
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
  const [error, setError] = useState<unknown>(null);
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

  // a product the model cannot draw blocks the submit, as an unusable prompt does on Create
  const unusable = estimateError instanceof ApiFailure && estimateError.code === 'prompt_unusable';
  const toggle = (list: string[], set: (v: string[]) => void, id: string) => set(list.includes(id) ? list.filter((x) => x !== id) : [...list, id]);

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const batch = await api<AdBatch>('POST', '/api/batches', body);
      navigate(`/ads?id=${encodeURIComponent(batch.id)}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h1>{t('ads.title')}</h1>
      <p className="note">{t('ads.intro')}</p>
      <form className="card stack" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <div className="grid-fields">
          <div className="field"><label htmlFor="b-subject">{t('ads.subject')}</label>
            <input id="b-subject" name="subject" required maxLength={200} value={subject} onChange={(e) => setSubject(e.target.value)} placeholder={t('ads.subjectPlaceholder')} aria-describedby="b-subject-note" />
            <small id="b-subject-note">{t('ads.subjectNote')}</small></div>
          <div className="field"><label htmlFor="b-name">{t('ads.name')}</label>
            <input id="b-name" name="name" required maxLength={80} value={name} onChange={(e) => setName(e.target.value)} placeholder={t('ads.namePlaceholder')} /></div>
        </div>
        <div className="field"><label htmlFor="b-points">{t('ads.points')}</label>
          <textarea id="b-points" name="selling_points" rows={3} value={points} onChange={(e) => setPoints(e.target.value)} placeholder={t('ads.pointsPlaceholder')} /></div>
        <fieldset className="choices">
          <legend>{t('ads.templates')}</legend>
          {effects.map((e) => (
            <label key={e.id} className="choice"><input type="checkbox" name="templates" value={e.id} checked={templates.includes(e.id)} onChange={() => toggle(templates, setTemplates, e.id)} />{effectName(e, t)} {t.lang === 'zh' && effectPhraseZh(e.effect) ? <small>（{effectPhraseZh(e.effect)}）</small> : <small translate="no">({e.prompt_fragment})</small>}</label>
          ))}
        </fieldset>
        <fieldset className="choices">
          <legend>{t('ads.aspects')}</legend>
          {ASPECTS.map(([id, label]) => (
            <label key={id} className="choice"><input type="checkbox" name="aspect_ratios" value={id} checked={aspects.includes(id)} onChange={() => toggle(aspects, setAspects, id)} />{t(label)}</label>
          ))}
        </fieldset>
        <div className="grid-fields">
          <div className="field"><label htmlFor="b-count">{t('ads.count')}</label>
            <input id="b-count" name="count" type="number" min={1} max={500} required value={count} onChange={(e) => setCount(e.target.value)} /></div>
          <div className="field"><label htmlFor="b-captions">{t('ads.captions')}</label>
            <select id="b-captions" name="captions" value={captions} onChange={(e) => setCaptions(e.target.value as 'burned' | 'subtitles')}>
              <option value="burned">{t('ads.burned')}</option><option value="subtitles">{t('ads.subtitles')}</option>
            </select></div>
          <div className="field"><label htmlFor="b-model">{t('ads.model')}</label>
            <select id="b-model" name="model" value={model} onChange={(e) => setModel(e.target.value)}>
              {models.map((m) => <option key={m.id} value={m.id} translate="no">{m.id}</option>)}
            </select></div>
        </div>
        <div className="check" aria-live="polite" data-testid="estimate">
          {estimate && <p className="cost"><strong>{t('ads.estimate', { count: estimate.count, credits: t('create.credits', { n: estimate.price_per_clip }), total: estimate.total_credits })}</strong>{t('ads.balance', { balance: estimate.balance })}{estimate.affordable ? '' : t('ads.notEnough')}</p>}
          {estimate && estimate.unknown_words.length > 0 && <p className="warn" data-testid="unknown-words">{t.rich('ads.unknown', { words: <span key="w" translate="no">{estimate.unknown_words.join(', ')}</span> })}</p>}
          {estimate && estimate.sample_captions.length > 0 && <p className="note">{t.rich('ads.sampleCaptions', { captions: <span key="c" translate="no">{estimate.sample_captions.map((c) => `“${c}”`).join(' · ')}</span> })}</p>}
          {estimateError && <p className="warn">{errorText(estimateError, t)}</p>}
        </div>
        {error !== null && <p role="alert" className="error">{errorText(error, t)}</p>}
        <div className="row"><button type="submit" disabled={busy || !ready || (estimate !== null && !estimate.affordable) || unusable}>{t('ads.submit')}</button></div>
      </form>
      {recent.length > 0 && (
        <>
          <h2>{t('ads.recent')}</h2>
          <ul className="tasks">
            {recent.map((b) => (
              <li key={b.id} className="card task" data-batch-id={b.id}>
                <div className="task-head"><a {...linkProps(`/ads?id=${encodeURIComponent(b.id)}`)} translate="no"><strong>{b.name}</strong></a><span className={`status ${b.status}`}>{t(`status.${b.status}`)}</span></div>
                <small>{t.rich('ads.summary', { subject: <span key="s" translate="no">{b.product.subject}</span>, count: b.count, delivered: b.counts.succeeded, time: new Date(b.created_at).toLocaleString(LOCALE[t.lang]) })}</small>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function BatchProgress({ id }: { id: string }) {
  const t = useT();
  const [batch, setBatch] = useState<AdBatch | null>(null);
  const [error, setError] = useState<unknown>(null);
  // Templates by id, so the results name them as the form did ("Inflate", not its Kling id "expansion").
  const [names, setNames] = useState<Map<string, EffectTemplate>>(new Map());
  useEffect(() => void api<{ data: EffectTemplate[] }>('GET', '/api/effects').then((r) => setNames(new Map(r.data.map((e) => [e.id, e]))), () => undefined), []);
  const nameOf = (id: string) => { const e = names.get(id); return e ? effectName(e, t) : id; };
  const load = useCallback(() => api<AdBatch>('GET', `/api/batches/${encodeURIComponent(id)}`).then(setBatch, setError), [id]);
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

  if (error !== null) return <section><h1>{t('ads.title')}</h1><p role="alert" className="error">{errorText(error, t)}</p><a {...linkProps('/ads')}>{t('ads.new')}</a></section>;
  if (!batch) return <section><h1>{t('ads.title')}</h1><p>{t('app.loading')}</p></section>;
  const c = batch.counts;
  return (
    <section>
      <h1 translate="no">{batch.name}</h1>
      <div className="card stack" data-testid="batch" data-status={batch.status}>
        <div className="task-head"><span>{t.rich('ads.head', { subject: <span key="s" translate="no">{batch.product.subject}</span>, count: batch.count, templates: batch.templates.map(nameOf).join(t.lang === 'zh' ? '、' : ', '), aspects: batch.aspect_ratios.join(', ') })}</span><span className={`status ${batch.status}`} data-testid="batch-status">{t(`status.${batch.status}`)}</span></div>
        <progress max={100} value={batch.progress} aria-label={t('ads.progress')}>{batch.progress}%</progress>
        <small data-testid="batch-counts">{t('ads.counts', { progress: batch.progress, succeeded: c.succeeded, running: c.running, queued: c.queued, failed: c.failed })}{c.cancelled ? t('ads.cancelledCount', { n: c.cancelled }) : ''}{c.retries ? t('ads.retried', { n: c.retries }) : ''}{batch.status === 'assembling' ? t('ads.packing', { done: batch.assembled, of: c.succeeded }) : ''}</small>
        {batch.unknown_words.length > 0 && <p className="warn">{t.rich('ads.unknownShort', { words: <span key="w" translate="no">{batch.unknown_words.join(', ')}</span> })}</p>}
        {batch.error && <p className="error">{storedErrorText(batch.error, t)}</p>}
        <div className="row">
          {batch.zip && <a className="button" href={batch.zip.download_url} download data-testid="download">{t('ads.download', { kb: Math.ceil(batch.zip.bytes / 1024) })}</a>}
          {ACTIVE.has(batch.status) && <button type="button" className="secondary" onClick={() => void cancel()}>{t('ads.cancel')}</button>}
          <a {...linkProps('/ads')}>{t('ads.new')}</a>
        </div>
      </div>
      <div className="table-scroll"><table className="keys variants">
        <caption className="sr-only">{t('ads.variants')}</caption>
        <thead><tr><th>#</th><th>{t('ads.colPreview')}</th><th>{t('ads.colTemplate')}</th><th>{t('ads.colAspect')}</th><th>{t('ads.colSeed')}</th><th>{t('ads.colCaption')}</th><th>{t('ads.colStatus')}</th></tr></thead>
        <tbody>
          {batch.variants.map((v) => (
            <tr key={v.index} data-status={v.status}>
              <td>{v.index + 1}</td>
              <td>{v.video_url
                ? <VariantPreview url={v.video_url} label={t('ads.clipOf', { n: v.index + 1 })} />
                : <span className="variant-preview empty" aria-hidden="true" />}</td>
              <td>{nameOf(v.template)}</td><td>{v.aspect_ratio}</td><td>{v.seed}</td><td translate="no">{v.caption}</td>
              <td><span className={`status ${v.status}`} title={v.error ? storedErrorText(v.error, t) : undefined}>{t(`status.${v.status}`)}{v.status === 'running' ? ` ${v.progress}%` : ''}{v.attempts > 1 ? t('ads.try', { n: v.attempts }) : ''}</span>
                {v.video_url && <> <a href={v.video_url} aria-label={t('ads.clipOf', { n: v.index + 1 })}>{t('ads.clip')}</a></>}</td>
            </tr>
          ))}
        </tbody>
      </table></div>
    </section>
  );
}
