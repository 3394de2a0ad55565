import { useCallback, useEffect, useState } from 'react';
import { api } from '../api';

interface Key { access_key: string; name: string; balance: number; created_at: number; revoked_at: number | null; studio: boolean }
interface Created { access_key: string; secret_key: string; name: string }

const origin = () => window.location.origin;

function klingSnippet(k: { access_key: string; secret_key: string }) {
  return `import time, jwt, requests  # pip install pyjwt requests
ak, sk = "${k.access_key}", "${k.secret_key}"
token = jwt.encode({"iss": ak, "exp": int(time.time()) + 1800, "nbf": int(time.time()) - 5}, sk, headers={"alg": "HS256", "typ": "JWT"})
r = requests.post("${origin()}/v1/videos/text2video", headers={"Authorization": f"Bearer {token}"},
                  json={"prompt": "a red cat bounces on the beach"})
print(r.json()["data"]["task_id"])`;
}

function openaiSnippet(k: { secret_key: string }) {
  return `import OpenAI from 'openai';
const client = new OpenAI({ apiKey: '${k.secret_key}', baseURL: '${origin()}/v1' });
const video = await client.videos.create({ prompt: 'a red cat bounces on the beach' });
console.log(video.id, video.status);`;
}

export function KeysPage() {
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
    await api('DELETE', `/api/keys/${k.access_key}`);
    load();
  };
  const shown = created ?? { access_key: 'ak_…', secret_key: 'sk_…' };
  return (
    <section>
      <h1>API keys</h1>
      <form className="card row" onSubmit={(e) => { e.preventDefault(); void create(); }}>
        <div className="field"><label htmlFor="f-key_name">Key name</label><input id="f-key_name" name="key_name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} placeholder="my script" /></div>
        <button type="submit">Create key</button>
      </form>
      {created && (
        <div className="card" role="status">
          <p>Copy the secret key now; it is not shown again.</p>
          <div className="field"><label htmlFor="f-access-key">Access key</label><input id="f-access-key" readOnly value={created.access_key} /></div>
          <div className="field"><label htmlFor="f-secret-key">Secret key</label><input id="f-secret-key" readOnly value={created.secret_key} data-testid="secret-key" /></div>
        </div>
      )}
      <table className="keys">
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
      </table>
      <h2>Kling format (Python)</h2>
      <pre className="snippet" data-testid="kling-snippet">{klingSnippet(shown)}</pre>
      <h2>OpenAI videos format (Node)</h2>
      <pre className="snippet" data-testid="openai-snippet">{openaiSnippet(shown)}</pre>
    </section>
  );
}
