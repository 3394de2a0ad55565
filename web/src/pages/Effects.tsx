import { useEffect, useState } from 'react';
import { usePageTitle } from '../a11y';
import { api, type EffectTemplate } from '../api';
import { navigate } from '../router';
import { useT } from '../i18n';
import { errorText } from '../i18n/errors';
import { effectDescription, effectName } from '../i18n/effects';
import { effectPhraseZh } from '../concept-words';

/**
 * A preview GIF with a placeholder and a spinner until it has loaded: on a first visit the server draws every
 * preview with the model (tens of seconds), and an empty card looks broken.
 */
function Preview({ template }: { template: EffectTemplate }) {
  const t = useT();
  const [state, setState] = useState<'loading' | 'loaded' | 'failed'>('loading');
  return (
    <div className="preview-box" data-state={state}>
      {state !== 'loaded' && (
        <div className="preview-placeholder" role="status">
          {state === 'loading' ? <><span className="spinner" aria-hidden="true" />{t('effects.drawing')}</> : t('effects.noPreview')}
        </div>
      )}
      <img src={template.preview_url} alt={t('effects.previewAlt', { name: effectName(template, t), subject: template.params.subject ?? 'a cat', fragment: template.prompt_fragment })} width={160} height={160} loading="lazy"
        onLoad={() => setState('loaded')} onError={() => setState('failed')} />
    </div>
  );
}

/** The effect template gallery: every template of the catalog with its preview; "Use this" opens Create with it. */
export function EffectsPage() {
  const t = useT();
  usePageTitle(t('effects.title'));
  const [templates, setTemplates] = useState<EffectTemplate[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    void api<{ data: EffectTemplate[] }>('GET', '/api/effects').then((r) => setTemplates(r.data), setError);
  }, []);

  return (
    <section>
      <h1>{t('effects.title')}</h1>
      <p className="note">{t('effects.intro')}</p>
      {error !== null && <p role="alert" className="error">{errorText(error, t)}</p>}
      {!templates && error === null && <p>{t('app.loading')}</p>}
      <ul className="effect-grid">
        {templates?.map((e) => (
          <li key={e.id} className="card effect-card" data-effect-id={e.id}>
            <Preview template={e} />
            <h2>{effectName(e, t)}</h2>
            <p>{effectDescription(e, t)}</p>
            <p className="note">{t.lang === 'zh' && effectPhraseZh(e.effect)
              ? t('effects.adds', { fragment: effectPhraseZh(e.effect) })
              : t.rich('effects.adds', { fragment: <span key="f" translate="no">{e.prompt_fragment}</span> })}</p>
            <button type="button" aria-label={t('effects.useLabel', { name: effectName(e, t) })} onClick={() => navigate(`/create?effect=${encodeURIComponent(e.id)}`)}>{t('effects.use')}</button>
          </li>
        ))}
      </ul>
    </section>
  );
}
