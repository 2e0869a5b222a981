/**
 * The cache namespaces (GET /api/performance/cache, then live from the stream): policy, L1 fill, hit
 * rate, L1/L2 hits, L2 errors and state, with a clear button per namespace and one for all
 * (DELETE /api/performance/cache/:namespace?). Another instance's namespaces (from its snapshots) are shown
 * without the clear buttons, which act on the instance that answers: `readOnlyNote` says so.
 */
import { memo, useState } from 'react';
import { api, ApiError } from '../../lib/api.js';
import { formatPercent, L2_TEXT, type CacheResponse, type L2State, type NamespaceStats } from './model.js';

interface Props {
  cache: CacheResponse | null;
  /** Called with the namespaces the server cleared. */
  onCleared: (names: string[]) => void;
  /** Shown instead of the clear buttons (another instance's figures). */
  readOnlyNote?: string | undefined;
}

const count = (n: number) => n.toLocaleString('en-US');

function stateOf(ns: NamespaceStats): { text: string; tone: 'ok' | 'bad' | 'warn' | 'muted' } {
  if (ns.policy === 'off') return { text: 'not cached', tone: 'muted' };
  const l2: L2State = ns.l2.state;
  if (ns.policy === 'l1') return { text: 'L1', tone: 'ok' };
  if (l2 === 'open') return { text: L2_TEXT.open, tone: 'bad' };
  if (l2 === 'half-open') return { text: L2_TEXT['half-open'], tone: 'warn' };
  if (l2 === 'disabled') return { text: 'L1 (no Redis)', tone: 'muted' };
  return { text: 'L1 + L2', tone: 'ok' };
}

function CacheTableImpl({ cache, onCleared, readOnlyNote }: Props) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const clear = async (name?: string) => {
    if (!name && !window.confirm('Clear every cache namespace? Values are computed again on their next use.')) return;
    setBusy(name ?? '*');
    setError(null);
    setDone(null);
    try {
      const path = name ? `/api/performance/cache/${encodeURIComponent(name)}` : '/api/performance/cache';
      const body = await api.delete<{ cleared: string[] }>(path);
      const cleared = body?.cleared ?? (name ? [name] : []);
      setDone(name ? `Cleared ${name}.` : `Cleared ${cleared.length} namespaces.`);
      onCleared(cleared);
    } catch (e) {
      setError(e instanceof ApiError ? `Could not clear: ${e.userMessage}` : 'Could not clear the cache.');
    } finally {
      setBusy(null);
    }
  };

  const rows = cache ? [...cache.namespaces].sort((a, b) => a.name.localeCompare(b.name)) : [];

  return (
    <section className="card perf-section" aria-labelledby="perf-cache-title" data-testid="cache-panel">
      <div className="perf-section-head">
        <h2 id="perf-cache-title">Caches</h2>
        {readOnlyNote === undefined ? (
          <button type="button" className="button ghost small" onClick={() => void clear()} disabled={busy !== null || rows.length === 0}>
            Clear all
          </button>
        ) : null}
      </div>
      {readOnlyNote === undefined ? null : (
        <p className="muted" data-testid="cache-read-only">
          {readOnlyNote}
        </p>
      )}
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <p className="visually-hidden" role="status">
        {done ?? ''}
      </p>
      {!cache ? (
        <p className="muted">Loading…</p>
      ) : rows.length === 0 ? (
        <p className="muted">No cache namespaces yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="results perf-table" data-testid="cache-table">
            <thead>
              <tr>
                <th scope="col">Namespace</th>
                <th scope="col">Policy</th>
                <th scope="col" className="num">
                  L1 size / max
                </th>
                <th scope="col" className="num">
                  Hit rate
                </th>
                <th scope="col" className="num">
                  L1 hits
                </th>
                <th scope="col" className="num">
                  L2 hits
                </th>
                <th scope="col" className="num">
                  L2 errors
                </th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((ns) => {
                const state = stateOf(ns);
                const lookups = ns.l1.hits + ns.l1.misses;
                const fill = ns.l1.max > 0 ? Math.min(1, ns.l1.size / ns.l1.max) : 0;
                return (
                  <tr key={ns.name} data-testid="cache-row" data-namespace={ns.name} data-size={ns.l1.size} data-policy={ns.policy}>
                    <th scope="row">
                      <code>{ns.name}</code>
                    </th>
                    <td>
                      <span className={`policy-tag policy-${ns.policy.replace('+', '-')}`}>{ns.policy}</span>
                    </td>
                    <td className="num" data-testid="cache-size">
                      {count(ns.l1.size)} / {count(ns.l1.max)}
                      <span className="meter" aria-hidden="true">
                        <span style={{ width: `${fill * 100}%` }} />
                      </span>
                    </td>
                    <td className="num" title={`${count(lookups)} lookups`}>
                      {lookups ? formatPercent(ns.hitRate) : '–'}
                    </td>
                    <td className="num">{count(ns.l1.hits)}</td>
                    <td className="num">{count(ns.l2.hits)}</td>
                    <td className={`num${ns.l2.errors ? ' count-invalid' : ''}`}>{count(ns.l2.errors)}</td>
                    <td>
                      <span className={`state-tag tone-${state.tone}`}>{state.text}</span>
                    </td>
                    <td>
                      {readOnlyNote === undefined ? (
                        <button
                          type="button"
                          className="button ghost small"
                          onClick={() => void clear(ns.name)}
                          disabled={busy !== null}
                          aria-label={`Clear ${ns.name}`}
                          data-testid="cache-clear"
                        >
                          {busy === ns.name ? 'Clearing…' : 'Clear'}
                        </button>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export const CacheTable = memo(CacheTableImpl);
