/**
 * API tokens (SPEC Accounts: `POST/GET/DELETE /api/auth/tokens`): list, create with scopes — the token
 * is shown once, right after creation, and never again — and revoke.
 */
import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { api, ApiError } from '../lib/api.js';
import { useSession } from '../lib/session.js';

type Scope = 'read' | 'write' | 'admin';

interface ApiToken {
  id: string;
  name: string;
  scopes: Scope[];
  createdAt: string;
  lastUsedAt: string | null;
}

interface TokenPage {
  items: ApiToken[];
  next?: string;
}

const SCOPE_TEXT: Record<Scope, string> = {
  read: 'read — look at your data',
  write: 'write — change your data',
  admin: 'admin — administer the server',
};

function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : 'never';
}

function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.userMessage : 'Something went wrong. Please try again.';
}

export function TokensPage() {
  const id = useId();
  const session = useSession();
  const isAdmin = session.user?.role === 'admin';
  const [tokens, setTokens] = useState<ApiToken[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['read', 'write']);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [copied, setCopied] = useState(false);

  const load = useCallback(async (cursor?: string) => {
    setLoading(true);
    try {
      const page = await api.get<TokenPage>(`/api/auth/tokens?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      setTokens((current) => (cursor ? [...current, ...page.items] : page.items));
      setNext(page.next);
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const toggleScope = (scope: Scope) =>
    setScopes((current) => (current.includes(scope) ? current.filter((s) => s !== scope) : [...current, scope]));

  const onCreate = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed || scopes.length === 0) {
      setError(!trimmed ? 'Give the token a name, e.g. the script or machine that will use it.' : 'Choose at least one scope.');
      return;
    }
    setCreating(true);
    setError(null);
    setCopied(false);
    try {
      const body = await api.post<ApiToken & { token: string }>('/api/auth/tokens', { name: trimmed, scopes });
      setCreated({ name: body.name, token: body.token });
      setName('');
      await load();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setCreating(false);
    }
  };

  const onRevoke = async (token: ApiToken) => {
    if (!window.confirm(`Revoke "${token.name}"? Anything using it stops working at once.`)) return;
    try {
      await api.delete(`/api/auth/tokens/${encodeURIComponent(token.id)}`);
      setTokens((current) => current.filter((t) => t.id !== token.id));
    } catch (e) {
      setError(messageOf(e));
    }
  };

  const copy = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.token);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };

  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">API tokens</h1>
      <p className="lede">
        Tokens let scripts use the API as you: send <code>Authorization: Bearer &lt;token&gt;</code>. Give each its own
        name and only the scopes it needs.
      </p>

      {error ? (
        <p className="form-error" role="alert" data-testid="tokens-error">
          {error}
        </p>
      ) : null}

      {created ? (
        <div className="card" data-testid="new-token" role="status">
          <h2>Token “{created.name}” created</h2>
          <p>Copy it now: it is shown only this once. Satchel keeps only a hash of it.</p>
          <input readOnly value={created.token} aria-label="New token" data-testid="new-token-value" onFocus={(e) => e.target.select()} />
          <div className="controls">
            <button type="button" className="button primary" onClick={copy}>
              {copied ? 'Copied' : 'Copy'}
            </button>
            <button type="button" className="button ghost" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </div>
      ) : null}

      <form className="card form" onSubmit={onCreate} noValidate data-testid="token-form">
        <h2>New token</h2>
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            data-testid="token-name"
            value={name}
            maxLength={64}
            autoComplete="off"
            placeholder="e.g. backup script"
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <fieldset className="field">
          <legend>Scopes</legend>
          {(['read', 'write', 'admin'] as const)
            .filter((scope) => scope !== 'admin' || isAdmin)
            .map((scope) => (
              <label key={scope}>
                <input
                  type="checkbox"
                  data-testid={`token-scope-${scope}`}
                  checked={scopes.includes(scope)}
                  onChange={() => toggleScope(scope)}
                />{' '}
                {SCOPE_TEXT[scope]}
              </label>
            ))}
        </fieldset>
        <button type="submit" className="button primary" disabled={creating}>
          {creating ? 'Creating…' : 'Create token'}
        </button>
      </form>

      <div className="card">
        <h2>Your tokens</h2>
        {loading && tokens.length === 0 ? (
          <p className="muted" role="status">
            Loading…
          </p>
        ) : tokens.length === 0 ? (
          <p className="muted">No tokens yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="results" data-testid="tokens-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {tokens.map((token) => (
                  <tr key={token.id} data-testid="token-row">
                    <td>{token.name}</td>
                    <td>{token.scopes.join(', ')}</td>
                    <td>{when(token.createdAt)}</td>
                    <td>{when(token.lastUsedAt)}</td>
                    <td>
                      <button type="button" className="button ghost" onClick={() => void onRevoke(token)}>
                        Revoke<span className="visually-hidden"> {token.name}</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {next ? (
          <button type="button" className="button ghost" disabled={loading} onClick={() => void load(next)}>
            Show more
          </button>
        ) : null}
      </div>
    </section>
  );
}
