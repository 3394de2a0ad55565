import { useState } from 'react';
import { api } from '../api';
import { usePageTitle } from '../a11y';
import { useT } from '../i18n';
import { errorText } from '../i18n/errors';
import { LangSwitch } from '../i18n/LangSwitch';

export function SignInPage({ onSignedIn }: { onSignedIn: () => Promise<void> }) {
  const t = useT();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  usePageTitle(t('signIn.title'));

  const submit = async (kind: 'signin' | 'signup') => {
    setBusy(true);
    setError(null);
    try {
      await api('POST', `/api/auth/${kind}`, { username, password });
      await onSignedIn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="page narrow" id="main">
      <LangSwitch className="corner" />
      <h1>{t('signIn.heading')}</h1>
      <p>{t('signIn.intro')}</p>
      <form className="card stack" onSubmit={(e) => { e.preventDefault(); void submit('signin'); }}>
        <div className="field"><label htmlFor="f-username">{t('signIn.username')}</label><input id="f-username" name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} /></div>
        <div className="field"><label htmlFor="f-password">{t('signIn.password')}</label><input id="f-password" name="password" type="password" autoComplete="current-password" required minLength={8} value={password} onChange={(e) => setPassword(e.target.value)} /></div>
        {error !== null && <p role="alert" className="error">{errorText(error, t)}</p>}
        <div className="row">
          <button type="submit" disabled={busy}>{t('signIn.submit')}</button>
          <button type="button" className="secondary" disabled={busy} onClick={() => void submit('signup')}>{t('signIn.signUp')}</button>
        </div>
      </form>
    </main>
  );
}
