import { useEffect, useState } from 'react';
import { api, type EffectTemplate } from '../api';
import { navigate } from '../router';

/** The effect template gallery: every template of the catalog with its preview; "Use this" opens Create with it. */
export function EffectsPage() {
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
            <img src={t.preview_url} alt={`Preview of ${t.name}: ${t.params.subject ?? 'a cat'} ${t.prompt_fragment}`} width={160} height={160} loading="lazy" />
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
