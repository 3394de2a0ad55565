import { useState } from 'react';
import { api, ApiFailure } from '../api';
import { usePageTitle } from '../a11y';

export function SignInPage({ onSignedIn }: { onSignedIn: () => Promise<void> }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  usePageTitle('Sign in');

  const submit = async (kind: 'signin' | 'signup') => {
    setBusy(true);
    setError(null);
    try {
      await api('POST', `/api/auth/${kind}`, { username, password });
      await onSignedIn();
    } catch (e) {
      setError(e instanceof ApiFailure ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="page narrow" id="main">
      <h1>Kineo studio</h1>
      <p>This server is on a network address: sign in, or create an account (the first account is the admin).</p>
      <form className="card stack" onSubmit={(e) => { e.preventDefault(); void submit('signin'); }}>
        <div className="field"><label htmlFor="f-username">Username</label><input id="f-username" name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} /></div>
        <div className="field"><label htmlFor="f-password">Password</label><input id="f-password" name="password" type="password" autoComplete="current-password" required minLength={8} value={password} onChange={(e) => setPassword(e.target.value)} /></div>
        {error && <p role="alert" className="error">{error}</p>}
        <div className="row">
          <button type="submit" disabled={busy}>Sign in</button>
          <button type="button" className="secondary" disabled={busy} onClick={() => void submit('signup')}>Create account</button>
        </div>
      </form>
    </main>
  );
}
