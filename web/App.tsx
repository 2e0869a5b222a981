/** The shell: header (name, network, who is signed in), navigation, and the page for the current path. */
import { lazy, Suspense, useEffect, useRef, useState, type ComponentType } from 'react';
import { NotFoundPage } from './pages/NotFoundPage.js';
import { Link, matchPath, navigate, useLocation } from './lib/router.js';
import { useSession, type Session } from './lib/session.js';

type Access = 'public' | 'guest' | 'user' | 'admin';

export interface RouteDef {
  path: string;
  label: string;
  page: ComponentType;
  /** guest: only useful signed out (sign in, register); user/admin: needs a session (and role). */
  access: Access;
  /** Shown in the main navigation. */
  nav: boolean;
}

// Each page is its own chunk: the shell paints at once, and the validation library (with its
// common-password list) loads with the first page that needs it.
const ValidatePage = lazy(() => import('./pages/ValidatePage.js').then((m) => ({ default: m.ValidatePage })));
const WalletsPage = lazy(() => import('./pages/WalletsPage.js').then((m) => ({ default: m.WalletsPage })));
const WalletPage = lazy(() => import('./pages/WalletPage.js').then((m) => ({ default: m.WalletPage })));
const NotesPage = lazy(() => import('./pages/NotesPage.js').then((m) => ({ default: m.NotesPage })));
const LightningPage = lazy(() => import('./pages/LightningPage.js').then((m) => ({ default: m.LightningPage })));
const AdminUsersPage = lazy(() => import('./pages/AdminUsersPage.js').then((m) => ({ default: m.AdminUsersPage })));
const TokensPage = lazy(() => import('./pages/TokensPage.js').then((m) => ({ default: m.TokensPage })));
const PerformancePage = lazy(() => import('./pages/PerformancePage.js').then((m) => ({ default: m.PerformancePage })));
const LoginPage = lazy(() => import('./pages/LoginPage.js').then((m) => ({ default: m.LoginPage })));
const RegisterPage = lazy(() => import('./pages/RegisterPage.js').then((m) => ({ default: m.RegisterPage })));

export const ROUTES: readonly RouteDef[] = [
  { path: '/validate', label: 'Validate', page: ValidatePage, access: 'public', nav: true },
  { path: '/wallets', label: 'Wallets', page: WalletsPage, access: 'user', nav: true },
  { path: '/wallets/:id', label: 'Wallet', page: WalletPage, access: 'user', nav: false },
  { path: '/notes', label: 'Notes', page: NotesPage, access: 'user', nav: true },
  { path: '/lightning', label: 'Lightning', page: LightningPage, access: 'user', nav: true },
  { path: '/tokens', label: 'API tokens', page: TokensPage, access: 'user', nav: true },
  { path: '/admin', label: 'Admin', page: AdminUsersPage, access: 'admin', nav: true },
  { path: '/performance', label: 'Performance', page: PerformancePage, access: 'admin', nav: true },
  { path: '/login', label: 'Sign in', page: LoginPage, access: 'guest', nav: false },
  { path: '/register', label: 'Register', page: RegisterPage, access: 'guest', nav: false },
];

function findRoute(pathname: string): RouteDef | undefined {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  return ROUTES.find((r) => matchPath(r.path, path) !== null);
}

function visibleInNav(route: RouteDef, session: Session): boolean {
  if (!route.nav) return false;
  // Admin pages are listed for admins only; everyone else would just meet a refusal.
  return route.access !== 'admin' || session.user?.role === 'admin';
}

function Gate({ route, session, pathname }: { route: RouteDef; session: Session; pathname: string }) {
  if (route.access === 'public' || route.access === 'guest') {
    const Page = route.page;
    return <Page />;
  }
  if (session.status === 'loading') {
    return (
      <p className="muted page" role="status">
        Loading…
      </p>
    );
  }
  if (!session.user) {
    return (
      <section className="page" aria-labelledby="page-title">
        <h1 id="page-title">{route.label}</h1>
        <div className="card" data-testid="sign-in-required">
          <p>
            <Link to={`/login?next=${encodeURIComponent(pathname)}`}>Sign in</Link> to see this page. No account yet?{' '}
            <Link to="/register">Register</Link>.
          </p>
        </div>
      </section>
    );
  }
  if (route.access === 'admin' && session.user.role !== 'admin') {
    return (
      <section className="page" aria-labelledby="page-title">
        <h1 id="page-title">{route.label}</h1>
        <div className="card">
          <p>This page needs an administrator.</p>
        </div>
      </section>
    );
  }
  const Page = route.page;
  return <Page />;
}

function UserArea({ session }: { session: Session }) {
  const [error, setError] = useState<string | null>(null);
  if (session.status === 'loading') return <div className="user-area" />;
  if (!session.user) {
    return (
      <div className="user-area">
        <Link to="/login" nav className="button ghost">
          Sign in
        </Link>
        <Link to="/register" nav className="button primary">
          Register
        </Link>
      </div>
    );
  }
  const signOut = () => {
    setError(null);
    session.signOut().then(
      () => navigate('/login'),
      () => setError('Could not sign out: the server did not answer.'),
    );
  };
  return (
    <div className="user-area">
      <span className="user-name" data-testid="signed-in-user">
        <span className="visually-hidden">Signed in as </span>
        {session.user.username}
        {session.user.role === 'admin' ? <span className="role-tag">admin</span> : null}
      </span>
      <button type="button" className="button ghost" onClick={signOut}>
        Sign out
      </button>
      {error ? (
        <span className="form-error" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}

export function App() {
  const session = useSession();
  const { pathname } = useLocation();
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  useEffect(() => {
    if (pathname === '/') navigate('/validate', { replace: true });
  }, [pathname]);

  const route = findRoute(pathname);

  useEffect(() => {
    document.title = route ? `${route.label} · Satchel` : 'Satchel';
    // Move focus to the new page so keyboard and screen-reader users start there (not on first load).
    if (firstRender.current) firstRender.current = false;
    else mainRef.current?.focus();
  }, [pathname, route]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="header-inner">
          <Link to="/validate" className="brand">
            <img src="/favicon.svg" alt="" width="24" height="24" />
            Satchel
          </Link>
          {session.network ? (
            <span className={`network-badge network-${session.network}`} data-testid="network-badge" title="Default network">
              {session.network}
            </span>
          ) : null}
          <UserArea session={session} />
        </div>
        <nav className="site-nav" aria-label="Main">
          <ul>
            {ROUTES.filter((r) => visibleInNav(r, session)).map((r) => (
              <li key={r.path}>
                <Link to={r.path} nav>
                  {r.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        <Suspense
          fallback={
            <p className="muted" role="status">
              Loading…
            </p>
          }
        >
          {pathname === '/' ? null : route ? <Gate route={route} session={session} pathname={pathname} /> : <NotFoundPage />}
        </Suspense>
      </main>
      <footer className="site-footer">
        <p>Satchel is watch-only: it never asks for a private key.</p>
      </footer>
    </>
  );
}
