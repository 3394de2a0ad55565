import { useCallback, useEffect, useState } from 'react';
import { api, setCsrf, type SessionInfo } from './api';
import { linkProps, navigate, useLocation } from './router';
import { useCtrlEnterSubmits, useFocusHeadingOnNavigate, usePageTitle } from './a11y';
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
import { NotFoundPage } from './pages/NotFound';
import { useT, type PlainKey } from './i18n';
import { LangSwitch } from './i18n/LangSwitch';
import { errorText } from './i18n/errors';

const NAV: [string, PlainKey][] = [['/create', 'nav.create'], ['/tasks', 'nav.tasks'], ['/effects', 'nav.effects'], ['/ads', 'nav.ads'], ['/storyboard', 'nav.storyboard'], ['/arena', 'nav.arena'], ['/feed', 'nav.feed'], ['/mine', 'nav.mine'], ['/keys', 'nav.keys']];

/** `/tasks` and `/tasks/…` but not `/tasksx`: a page's own address and the addresses under it. */
const under = (path: string, root: string) => path === root || path.startsWith(`${root}/`);

function ServerDown({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  const t = useT();
  usePageTitle(t('app.unreachableTitle'));
  return (
    <main className="page narrow" id="main">
      <LangSwitch className="corner" />
      <h1>{t('app.unreachableHeading')}</h1>
      <p role="alert" className="error" data-testid="unreachable">{errorText(error, t)}</p>
      <button type="button" onClick={onRetry}>{t('app.tryAgain')}</button>
    </main>
  );
}

export function App() {
  const location = useLocation();
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [error, setError] = useState<unknown>(null);
  const t = useT();
  const [menuOpen, setMenuOpen] = useState(false);
  const path = location.pathname;
  useFocusHeadingOnNavigate(path + location.search);
  useCtrlEnterSubmits();
  useEffect(() => setMenuOpen(false), [path]);

  const refresh = useCallback(async () => {
    try {
      const s = await api<SessionInfo>('GET', '/api/session');
      setCsrf(s.csrf_token);
      setSession(s);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => void refresh(), [refresh]);

  if (error) return <ServerDown error={error} onRetry={() => void refresh()} />;
  if (!session) return <main className="page" id="main"><p>{t('app.loading')}</p></main>;
  if (!session.user) return <SignInPage onSignedIn={async () => { await refresh(); navigate('/create'); }} />;

  let page;
  if (path === '/' || under(path, '/create')) page = <CreatePage remixOf={location.searchParams.get('remix')} effectOf={location.searchParams.get('effect')} extendOf={location.searchParams.get('extend')} key={location.search} />;
  else if (under(path, '/tasks')) page = <TasksPage openWhenDone={location.searchParams.get('new')} />;
  else if (path.startsWith('/v/')) page = <PlayerPage id={decodeURIComponent(path.slice(3))} />;
  else if (under(path, '/feed')) page = <FeedPage />;
  else if (under(path, '/mine')) page = <MinePage />;
  else if (under(path, '/keys')) page = <KeysPage />;
  else if (under(path, '/effects')) page = <EffectsPage />;
  else if (under(path, '/arena')) page = <ArenaPage />;
  else if (under(path, '/ads')) page = <BatchesPage batchId={location.searchParams.get('id')} key={location.search} />;
  else if (under(path, '/storyboard')) page = <StoryboardPage openId={location.searchParams.get('id')} />;
  else page = <NotFoundPage path={path} />;

  const signOut = async () => {
    await api('POST', '/api/auth/signout');
    await refresh();
  };
  return (
    <>
      <a className="skip" href="#main">{t('app.skip')}</a>
      <header className="top">
        <a className="brand" {...linkProps('/create')}>Kineo</a>
        {/* On a phone the links fold into a menu (one row: brand, menu, user); on a desktop the button is hidden. */}
        <button type="button" className="menu-button secondary" aria-expanded={menuOpen} aria-controls="main-nav" onClick={() => setMenuOpen((o) => !o)}>{t('app.menu')}</button>
        <nav aria-label={t('nav.main')} id="main-nav" className={menuOpen ? 'open' : undefined}>
          {NAV.map(([to, label]) => (
            <a key={to} {...linkProps(to)} aria-current={under(path, to) || (to === '/create' && path === '/') ? 'page' : undefined}>{t(label)}</a>
          ))}
          {/* On a phone the header row has no room for the switch: it is the menu's last line. */}
          <LangSwitch className="in-menu" />
        </nav>
        <span className="who">
          <LangSwitch className="in-header" />
          <span data-testid="username" className="username" translate="no">{session.user.username}</span>{session.user.is_admin && <span className="role">{t('app.admin')}</span>}
          {session.mode === 'accounts' && <button type="button" className="link" onClick={signOut}>{t('app.signOut')}</button>}
        </span>
      </header>
      <main className="page" id="main" tabIndex={-1}>{page}</main>
    </>
  );
}
