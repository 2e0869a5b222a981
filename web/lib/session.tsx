/**
 * Who is signed in, as the browser knows it: GET /api/auth/me on start. The session is an HttpOnly
 * cookie set by the server; nothing about it is kept in localStorage.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Network } from '../../src/validation/types.js';
import { api, ApiError, resetCsrfToken } from './api.js';

export interface SessionUser {
  id: string;
  username: string;
  role: 'admin' | 'user';
}

export interface Session {
  status: 'loading' | 'signed-in' | 'signed-out';
  user: SessionUser | null;
  /** The server's NETWORK setting (default of new wallets and the UI), when it tells. */
  network: Network | null;
  signedIn: (user: SessionUser) => void;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

function userOf(body: unknown): SessionUser | null {
  const candidate = (body && typeof body === 'object' && 'user' in body ? body.user : body) as Partial<SessionUser> | null;
  if (!candidate || typeof candidate.username !== 'string') return null;
  return { id: String(candidate.id ?? ''), username: candidate.username, role: candidate.role === 'admin' ? 'admin' : 'user' };
}

function networkOf(body: unknown): Network | null {
  const value = body && typeof body === 'object' && 'network' in body ? body.network : undefined;
  return value === 'mainnet' || value === 'testnet' || value === 'signet' || value === 'regtest' ? value : null;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<Session['status']>('loading');
  const [user, setUser] = useState<SessionUser | null>(null);
  const [network, setNetwork] = useState<Network | null>(null);

  useEffect(() => {
    let live = true;
    api
      .get<unknown>('/api/auth/me')
      .then((body) => {
        if (!live) return;
        const me = userOf(body);
        setUser(me);
        setStatus(me ? 'signed-in' : 'signed-out');
        if (networkOf(body)) setNetwork(networkOf(body));
      })
      .catch(() => {
        if (!live) return;
        setUser(null);
        setStatus('signed-out');
      });
    api
      .get<unknown>('/api/health')
      .then((body) => {
        const fromHealth = networkOf(body);
        if (live && fromHealth) setNetwork((current) => current ?? fromHealth);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);

  const signedIn = useCallback((next: SessionUser) => {
    resetCsrfToken(); // a new session may come with a new CSRF secret
    setUser(next);
    setStatus('signed-in');
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.post('/api/auth/logout');
    } catch (error) {
      // Already signed out on the server is fine; anything else is reported to the caller.
      if (!(error instanceof ApiError && error.status === 401)) throw error;
    } finally {
      resetCsrfToken();
    }
    setUser(null);
    setStatus('signed-out');
  }, []);

  const value = useMemo<Session>(
    () => ({ status, user, network, signedIn, signOut }),
    [status, user, network, signedIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession needs a <SessionProvider> above it');
  return session;
}
