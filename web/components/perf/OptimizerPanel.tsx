/**
 * The cache optimizer (GET/PUT /api/performance/optimizer, POST …/run): on/off, its settings, a run on
 * demand, the policy it chose per target and its decision log with the reason for each.
 */
import { memo, useCallback, useEffect, useId, useState } from 'react';
import { api, ApiError } from '../../lib/api.js';
import { NumberSettingsForm, type NumberFieldSpec } from './NumberSettingsForm.js';
import { formatDateTime, type Decision, type OptimizerSettings, type OptimizerView } from './model.js';

export const OPTIMIZER_REFRESH_MS = 10_000;

type SettingKey = 'intervalMs' | 'margin' | 'minLookups' | 'memoryBudgetMb' | 'growBelowHitRate' | 'minL1Entries' | 'maxL1Entries';

/** Bounds as in src/http/routes/performance/schemas.ts (optimizerBody), in the units shown. */
export const OPTIMIZER_FIELDS: readonly NumberFieldSpec<SettingKey>[] = [
  { key: 'intervalMs', label: 'Run every (s)', min: 1, max: 3600, scale: 0.001, apiInteger: true, hint: '1 – 3,600 seconds' },
  { key: 'margin', label: 'Switch margin (%)', min: 0, max: 100, scale: 100, hint: 'A policy must be this much cheaper to replace the current one' },
  { key: 'minLookups', label: 'Minimum lookups per run', min: 1, max: 1_000_000, integer: true, apiInteger: true, hint: 'Fewer and a namespace is left as it is' },
  { key: 'memoryBudgetMb', label: 'L1 memory budget (MB)', min: 1, max: 65_536, integer: true, apiInteger: true },
  { key: 'growBelowHitRate', label: 'Grow L1 below hit rate (%)', min: 0, max: 100, scale: 100, hint: 'When evictions cause the misses' },
  { key: 'minL1Entries', label: 'Smallest L1 (entries)', min: 10, max: 10_000_000, integer: true, apiInteger: true },
  { key: 'maxL1Entries', label: 'Largest L1 (entries)', min: 100, max: 100_000_000, integer: true, apiInteger: true },
];

const crossCheck = (v: Record<SettingKey, number>): [SettingKey, string] | undefined =>
  v.minL1Entries > v.maxL1Entries ? ['maxL1Entries', 'Must be at least the smallest L1'] : undefined;

function settingValues(settings: OptimizerSettings): Record<SettingKey, number> {
  const out = {} as Record<SettingKey, number>;
  for (const spec of OPTIMIZER_FIELDS) out[spec.key] = settings[spec.key];
  return out;
}

function change(d: Decision): string {
  if (d.action === 'policy') return `${d.from ?? '?'} → ${d.to ?? '?'}`;
  if (d.action === 'grow' || d.action === 'shrink') return `L1 ${d.action} ${Number(d.from).toLocaleString('en-US')} → ${Number(d.to).toLocaleString('en-US')}`;
  if (d.action === 'ttl') return `L1 TTL ${Math.round(Number(d.from) / 1000)} s → ${Math.round(Number(d.to) / 1000)} s`;
  if (d.action === 'warm') return `warmed ${Number(d.to).toLocaleString('en-US')} keys`;
  return 'kept';
}

function messageOf(error: unknown, what: string): string {
  return error instanceof ApiError ? `Could not ${what}: ${error.userMessage}` : `Could not ${what}.`;
}

function OptimizerPanelImpl() {
  const id = useId();
  const [view, setView] = useState<OptimizerView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<'toggle' | 'run' | null>(null);
  const [runNote, setRunNote] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setView(await api.get<OptimizerView>('/api/performance/optimizer'));
      setError(null);
    } catch (e) {
      setError(messageOf(e, 'load the optimizer'));
    }
  }, []);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), OPTIMIZER_REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  const toggle = async (enabled: boolean) => {
    setBusy('toggle');
    setError(null);
    try {
      setView(await api.put<OptimizerView>('/api/performance/optimizer', { enabled }));
    } catch (e) {
      setError(messageOf(e, enabled ? 'turn the optimizer on' : 'turn the optimizer off'));
    } finally {
      setBusy(null);
    }
  };

  const run = async () => {
    setBusy('run');
    setError(null);
    setRunNote(null);
    try {
      const { decisions } = await api.post<{ decisions: Decision[] }>('/api/performance/optimizer/run');
      setRunNote(decisions.length ? `Ran: ${decisions.length} decision${decisions.length === 1 ? '' : 's'}.` : 'Ran: nothing to change.');
      await load();
    } catch (e) {
      setError(messageOf(e, 'run the optimizer'));
    } finally {
      setBusy(null);
    }
  };

  const save = async (patch: Partial<Record<SettingKey, number>>) => {
    const next = await api.put<OptimizerView>('/api/performance/optimizer', patch);
    setView(next);
  };

  const policies = view ? Object.entries(view.policies).sort(([a], [b]) => a.localeCompare(b)) : [];

  return (
    <section className="card perf-section" aria-labelledby={`${id}-title`} data-testid="optimizer-panel">
      <div className="perf-section-head">
        <h2 id={`${id}-title`}>Cache optimizer</h2>
        {view ? (
          <label className="switch">
            <input
              type="checkbox"
              role="switch"
              checked={view.enabled}
              disabled={busy !== null}
              onChange={(e) => void toggle(e.target.checked)}
              data-testid="optimizer-enabled"
            />
            <span>{view.enabled ? 'On' : 'Off'}</span>
          </label>
        ) : null}
      </div>
      <p className="muted perf-blurb">
        Picks each cache's policy (off, L1, L1 + Redis) from what computing, an L1 hit and a Redis round trip cost, given the reuse
        it sees; grows L1 while evictions cause misses and shrinks it under memory pressure.
      </p>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      {!view ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          <div className="perf-run">
            <button type="button" className="button" onClick={() => void run()} disabled={busy !== null} data-testid="optimizer-run">
              {busy === 'run' ? 'Running…' : 'Run now'}
            </button>
            <span className="muted">Last run: {view.lastRunAt ? formatDateTime(view.lastRunAt) : 'not yet'}</span>
            {runNote ? (
              <span className="field-ok" role="status">
                {runNote}
              </span>
            ) : null}
          </div>
          {policies.length ? (
            <ul className="policy-list" aria-label="Current policies">
              {policies.map(([name, policy]) => (
                <li key={name}>
                  <code>{name}</code> <span className={`policy-tag policy-${policy.replace('+', '-')}`}>{policy}</span>
                </li>
              ))}
            </ul>
          ) : null}
          <details className="perf-details">
            <summary>Settings</summary>
            <NumberSettingsForm
              specs={OPTIMIZER_FIELDS}
              values={settingValues(view.settings)}
              crossCheck={crossCheck}
              onSave={save}
              submitLabel="Save settings"
              testId="optimizer-form"
            />
          </details>
          <h3 className="perf-subhead">Decisions</h3>
          {view.decisions.length === 0 ? (
            <p className="muted" data-testid="optimizer-decisions-empty">
              No decisions yet: the optimizer judges a cache once it has seen {view.settings.minLookups.toLocaleString('en-US')} lookups in a run.
            </p>
          ) : (
            <div className="table-wrap perf-log">
              <table className="results" data-testid="optimizer-decisions">
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Cache</th>
                    <th scope="col">Change</th>
                    <th scope="col">Reason</th>
                  </tr>
                </thead>
                <tbody>
                  {view.decisions.map((d, i) => (
                    <tr key={`${d.at}-${d.target}-${i}`}>
                      <td className="nowrap">{formatDateTime(d.at)}</td>
                      <td>
                        <code>{d.target}</code>
                      </td>
                      <td className="nowrap">{change(d)}</td>
                      <td className="reason">{d.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}

export const OptimizerPanel = memo(OptimizerPanelImpl);
