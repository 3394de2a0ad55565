import { useCallback, useEffect, useState } from 'react';
import { usePageTitle } from '../a11y';
import { api } from '../api';

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
function CopyButton({ text, label }: { text: string; label: string }) {
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
    <button type="button" className="secondary small" aria-label={`Copy ${label}`} onClick={() => void copy()}>
      <span aria-live="polite">{state === 'copied' ? 'Copied' : state === 'failed' ? 'Select and copy by hand' : 'Copy'}</span>
    </button>
  );
}

export function KeysPage() {
  usePageTitle('API keys');
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
    if (!window.confirm(`Revoke “${k.name}” (${k.access_key})? Scripts that use it stop working at once, and its ${k.balance} credits are lost. This cannot be undone.`)) return;
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
      <h1>API keys</h1>
      <p className="note" data-testid="credits-note">Credits belong to each key, not to you: a new key starts with credits of its own, and what a script makes is paid from its key. What you make here in the studio is paid from your studio key.</p>
      <form className="card row key-form" onSubmit={(e) => { e.preventDefault(); void create(); }}>
        <div className="field"><label htmlFor="f-key_name">Key name</label><input id="f-key_name" name="key_name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} placeholder="my script" /></div>
        <button type="submit">Create key</button>
      </form>
      {created && (
        <div className="card" role="status">
          <p>Copy the secret key now; it is not shown again.</p>
          <div className="field"><label htmlFor="f-access-key">Access key</label><span className="copy-row"><input id="f-access-key" readOnly value={created.access_key} /><CopyButton text={created.access_key} label="the access key" /></span></div>
          <div className="field"><label htmlFor="f-secret-key">Secret key</label><span className="copy-row"><input id="f-secret-key" readOnly value={created.secret_key} data-testid="secret-key" /><CopyButton text={created.secret_key} label="the secret key" /></span></div>
        </div>
      )}
      <div className="table-scroll"><table className="keys">
        <caption className="sr-only">Your keys</caption>
        <thead><tr><th>Name</th><th>Access key</th><th>Credits</th><th>Created</th><th><span className="sr-only">Actions</span></th></tr></thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.access_key}>
              <td>{k.name}{k.studio ? ' (studio)' : ''}</td><td><code>{k.access_key}</code></td><td>{k.balance}</td>
              <td>{new Date(k.created_at).toLocaleDateString()}</td>
              <td>{k.revoked_at ? 'revoked' : !k.studio && <button type="button" className="secondary" onClick={() => void revoke(k)}>Revoke</button>}</td>
            </tr>
          ))}
        </tbody>
      </table></div>
      {!created && <p className="note">Create a key to get these snippets with its keys filled in.</p>}
      <div className="snippet-head"><h2>Kling format (Python)</h2><CopyButton text={kling} label="the Kling snippet" /></div>
      <pre className="snippet" data-testid="kling-snippet">{kling}</pre>
      <div className="snippet-head"><h2>OpenAI videos format (Node)</h2><CopyButton text={openai} label="the OpenAI snippet" /></div>
      <pre className="snippet" data-testid="openai-snippet">{openai}</pre>
    </section>
  );
}
