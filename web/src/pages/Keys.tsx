import { useCallback, useEffect, useState } from 'react';
import { usePageTitle } from '../a11y';
import { api } from '../api';
import { LOCALE, useT, type PlainKey } from '../i18n';

interface Key { access_key: string; name: string; balance: number; created_at: number; revoked_at: number | null; studio: boolean }
interface Created { access_key: string; secret_key: string; name: string }

const origin = () => window.location.origin;

function klingSnippet(k: { access_key: string; secret_key: string }) {
  return `import time, jwt, requests  # pip install pyjwt requests
ak, sk = "${k.access_key}", "${k.secret_key}"
token = jwt.encode({"iss": ak, "exp": int(time.time()) + 1800, "nbf": int(time.time()) - 5}, sk, headers={"alg": "HS256", "typ": "JWT"})
r = requests.post("${origin()}/v1/videos/text2video", headers={"Authorization": f"Bearer {token}"},
                  json={"prompt": "a cat bounces on the beach"})
print(r.json()["data"]["task_id"])`;
}

function openaiSnippet(k: { secret_key: string }) {
  return `import OpenAI from 'openai';
const client = new OpenAI({ apiKey: '${k.secret_key}', baseURL: '${origin()}/v1' });
const video = await client.videos.create({ prompt: 'a cat bounces on the beach' });
console.log(video.id, video.status);`;
}

/** A button that copies `text`; it says "Copied" for a moment (and where there is no clipboard, that it could not). */
function CopyButton({ text, label }: { text: string; label: PlainKey }) {
  const t = useT();
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
    setTimeout(() => setState('idle'), 2500);
  };
  return (
    <button type="button" className="secondary small" aria-label={t('keys.copyLabel', { what: t(label) })} onClick={() => void copy()}>
      <span aria-live="polite">{t(state === 'copied' ? 'keys.copied' : state === 'failed' ? 'keys.copyFailed' : 'keys.copy')}</span>
    </button>
  );
}

export function KeysPage() {
  const t = useT();
  usePageTitle(t('keys.title'));
  const [keys, setKeys] = useState<Key[]>([]);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<Created | null>(null);
  const load = useCallback(() => void api<{ data: Key[] }>('GET', '/api/keys').then((r) => setKeys(r.data)), []);
  useEffect(load, [load]);

  const create = async () => {
    setCreated(await api<Created>('POST', '/api/keys', { name }));
    setName('');
    load();
  };
  const revoke = async (k: Key) => {
    // Revoking cannot be undone and breaks every script that uses the key: ask first.
    if (!window.confirm(t('keys.confirmRevoke', { name: k.name, key: k.access_key, balance: k.balance }))) return;
    await api('DELETE', `/api/keys/${k.access_key}`);
    // A revoked key's secret is useless: it and the snippets made with it disappear.
    if (created?.access_key === k.access_key) setCreated(null);
    load();
  };
  const shown = created ?? { access_key: 'ak_…', secret_key: 'sk_…' };
  const kling = klingSnippet(shown);
  const openai = openaiSnippet(shown);
  return (
    <section>
      <h1>{t('keys.title')}</h1>
      <p className="note" data-testid="credits-note">{t('keys.credits')}</p>
      <form className="card row key-form" onSubmit={(e) => { e.preventDefault(); void create(); }}>
        <div className="field"><label htmlFor="f-key_name">{t('keys.name')}</label><input id="f-key_name" name="key_name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} placeholder={t('keys.namePlaceholder')} /></div>
        <button type="submit">{t('keys.create')}</button>
      </form>
      {created && (
        <div className="card" role="status">
          <p>{t('keys.copyNow')}</p>
          <div className="field"><label htmlFor="f-access-key">{t('keys.accessKey')}</label><span className="copy-row"><input id="f-access-key" readOnly value={created.access_key} /><CopyButton text={created.access_key} label="keys.copyAccess" /></span></div>
          <div className="field"><label htmlFor="f-secret-key">{t('keys.secretKey')}</label><span className="copy-row"><input id="f-secret-key" readOnly value={created.secret_key} data-testid="secret-key" /><CopyButton text={created.secret_key} label="keys.copySecret" /></span></div>
        </div>
      )}
      <div className="table-scroll"><table className="keys">
        <caption className="sr-only">{t('keys.yours')}</caption>
        <thead><tr><th>{t('keys.colName')}</th><th>{t('keys.colAccess')}</th><th>{t('keys.colCredits')}</th><th>{t('keys.colCreated')}</th><th><span className="sr-only">{t('keys.colActions')}</span></th></tr></thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.access_key}>
              <td><span translate="no">{k.name}</span>{k.studio ? t('keys.studio') : ''}</td><td><code>{k.access_key}</code></td><td>{k.balance}</td>
              <td>{new Date(k.created_at).toLocaleDateString(LOCALE[t.lang])}</td>
              <td>{k.revoked_at ? t('keys.revoked') : !k.studio && <button type="button" className="secondary" onClick={() => void revoke(k)}>{t('keys.revoke')}</button>}</td>
            </tr>
          ))}
        </tbody>
      </table></div>
      {!created && <p className="note">{t('keys.snippetsNote')}</p>}
      <div className="snippet-head"><h2>{t('keys.kling')}</h2><CopyButton text={kling} label="keys.copyKling" /></div>
      <pre className="snippet" data-testid="kling-snippet" translate="no">{kling}</pre>
      <div className="snippet-head"><h2>{t('keys.openai')}</h2><CopyButton text={openai} label="keys.copyOpenai" /></div>
      <pre className="snippet" data-testid="openai-snippet" translate="no">{openai}</pre>
    </section>
  );
}
