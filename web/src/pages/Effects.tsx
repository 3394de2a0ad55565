import { useEffect, useState } from 'react';
import { usePageTitle } from '../a11y';
import { api, type EffectTemplate } from '../api';
import { navigate } from '../router';

/**
 * A preview GIF with a placeholder and a spinner until it has loaded: on a first visit the server draws every
 * preview with the model (tens of seconds), and an empty card looks broken.
 */
function Preview({ t }: { t: EffectTemplate }) {
  const [state, setState] = useState<'loading' | 'loaded' | 'failed'>('loading');
  return (
    <div className="preview-box" data-state={state}>
      {state !== 'loaded' && (
        <div className="preview-placeholder" role="status">
          {state === 'loading' ? <><span className="spinner" aria-hidden="true" />Drawing the preview…</> : 'No preview yet'}
        </div>
      )}
      <img src={t.preview_url} alt={`Preview of ${t.name}: ${t.params.subject ?? 'a cat'} ${t.prompt_fragment}`} width={160} height={160} loading="lazy"
        onLoad={() => setState('loaded')} onError={() => setState('failed')} />
    </div>
  );
}

/** The effect template gallery: every template of the catalog with its preview; "Use this" opens Create with it. */
export function EffectsPage() {
  usePageTitle('Effects');
  const [templates, setTemplates] = useState<EffectTemplate[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void api<{ data: EffectTemplate[] }>('GET', '/api/effects').then((r) => setTemplates(r.data), (e) => setError((e as Error).message));
  }, []);

  return (
    <section>
      <h1>Effects</h1>
      <p className="note">Templates apply an effect to the subject you name. Previews are made by the built-in model from each template's prompt.</p>
      {error && <p role="alert" className="error">{error}</p>}
      {!templates && !error && <p>Loading…</p>}
      <ul className="effect-grid">
        {templates?.map((t) => (
          <li key={t.id} className="card effect-card" data-effect-id={t.id}>
            <Preview t={t} />
            <h2>{t.name}</h2>
            <p>{t.description}</p>
            <p className="note">Adds “{t.prompt_fragment}”</p>
            <button type="button" aria-label={`Use this: ${t.name}`} onClick={() => navigate(`/create?effect=${encodeURIComponent(t.id)}`)}>Use this</button>
          </li>
        ))}
      </ul>
    </section>
  );
}
