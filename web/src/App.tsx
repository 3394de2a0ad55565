import { useCallback, useEffect, useState } from 'react';
import { api, setCsrf, type SessionInfo } from './api';
import { linkProps, navigate, useLocation } from './router';
import { CreatePage } from './pages/Create';
import { TasksPage } from './pages/Tasks';
import { PlayerPage } from './pages/Player';
import { FeedPage } from './pages/Feed';
import { MinePage } from './pages/Mine';
import { KeysPage } from './pages/Keys';
import { EffectsPage } from './pages/Effects';
import { SignInPage } from './pages/SignIn';
import { ArenaPage } from './pages/Arena';
import { BatchesPage } from './pages/Batches';
import { StoryboardPage } from './pages/Storyboard';

const NAV: [string, string][] = [['/create', 'Create'], ['/tasks', 'Tasks'], ['/effects', 'Effects'], ['/ads', 'Ads'], ['/storyboard', 'Storyboard'], ['/arena', 'Arena'], ['/feed', 'Feed'], ['/mine', 'My videos'], ['/keys', 'API keys']];

export function App() {
  const location = useLocation();
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      const s = await api<SessionInfo>('GET', '/api/session');
      setCsrf(s.csrf_token);
      setSession(s);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);
  useEffect(() => void refresh(), [refresh]);

  if (error) return <main className="page"><p role="alert">The server did not answer: {error}</p></main>;
  if (!session) return <main className="page"><p>Loading…</p></main>;
  if (!session.user) return <SignInPage onSignedIn={async () => { await refresh(); navigate('/create'); }} />;

  const path = location.pathname;
  let page;
  if (path.startsWith('/tasks')) page = <TasksPage />;
  else if (path.startsWith('/v/')) page = <PlayerPage id={decodeURIComponent(path.slice(3))} />;
  else if (path.startsWith('/feed')) page = <FeedPage />;
  else if (path.startsWith('/mine')) page = <MinePage />;
  else if (path.startsWith('/keys')) page = <KeysPage />;
  else if (path.startsWith('/effects')) page = <EffectsPage />;
  else if (path.startsWith('/arena')) page = <ArenaPage />;
  else if (path.startsWith('/ads')) page = <BatchesPage batchId={location.searchParams.get('id')} key={location.search} />;
  else if (path.startsWith('/storyboard')) page = <StoryboardPage openId={location.searchParams.get('id')} />;
  else page = <CreatePage remixOf={location.searchParams.get('remix')} effectOf={location.searchParams.get('effect')} extendOf={location.searchParams.get('extend')} key={location.search} />;

  const signOut = async () => {
    await api('POST', '/api/auth/signout');
    await refresh();
  };
  return (
    <>
      <header className="top">
        <a className="brand" {...linkProps('/create')}>Kineo</a>
        <nav aria-label="Main">
          {NAV.map(([to, label]) => (
            <a key={to} {...linkProps(to)} aria-current={path.startsWith(to) || (to === '/create' && path === '/') ? 'page' : undefined}>{label}</a>
          ))}
        </nav>
        <span className="who">
          <span data-testid="username">{session.user.username}</span>{session.user.is_admin ? ' (admin)' : ''}
          {session.mode === 'accounts' && <button type="button" className="link" onClick={signOut}>Sign out</button>}
        </span>
      </header>
      <main className="page">{page}</main>
    </>
  );
}
