/**
 * Wallets (SPEC Web UI): the user's watch-only wallets, and a form to add one by address, extended
 * public key or descriptor. The source is checked as it is typed with the server's own code, and the
 * form shows what was detected (kind, network, script type, fingerprint) before anything is sent.
 */
import { useCallback, useEffect, useState } from 'react';
import { SCRIPT_TYPES, type ScriptType } from '../../src/domain/wallets/script-types.js';
import { NETWORKS, type Network } from '../../src/validation/types.js';
import { ChainPrivacyNotice } from '../components/ChainPrivacyNotice.js';
import { TextField } from '../components/TextField.js';
import { useFormValidation } from '../hooks/useFormValidation.js';
import { api, ApiError } from '../lib/api.js';
import { fieldErrorsFromProblem } from '../lib/formUtils.js';
import { Link, navigate } from '../lib/router.js';
import { useSession } from '../lib/session.js';
import { detectWallet, formatSats, type Wallet } from '../lib/wallets.js';

const SCRIPT_LABELS: Record<ScriptType, string> = {
  p2pkh: 'p2pkh — legacy (1…)',
  'p2sh-p2wpkh': 'p2sh-p2wpkh — nested segwit (3…)',
  p2wpkh: 'p2wpkh — native segwit (bc1q…)',
  p2tr: 'p2tr — taproot (bc1p…)',
};

const isNetwork = (value: string): value is Network => (NETWORKS as readonly string[]).includes(value);
const isScriptType = (value: string): value is ScriptType => (SCRIPT_TYPES as readonly string[]).includes(value);

function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.userMessage : 'Something went wrong. Please try again.';
}

function AddWalletForm({ defaultNetwork }: { defaultNetwork: Network }) {
  const [formError, setFormError] = useState<string | null>(null);
  const options = (values: Readonly<Record<'name' | 'source' | 'network' | 'scriptType', string>>) => ({
    defaultNetwork,
    ...(isNetwork(values.network) ? { network: values.network } : {}),
    ...(isScriptType(values.scriptType) ? { scriptType: values.scriptType } : {}),
  });
  const form = useFormValidation({
    name: {
      required: true,
      check: (value) => ([...value].length > 100 ? { code: 'too_long', message: 'At most 100 characters' } : undefined),
    },
    source: {
      required: true,
      check: (value, values) => {
        const detection = detectWallet(value, options(values));
        return detection.ok ? undefined : detection.issue;
      },
    },
    network: {},
    scriptType: {},
  });
  const source = form.values.source.trim();
  const detection = source ? detectWallet(source, options(form.values)) : undefined;

  const submit = form.handleSubmit(async (values) => {
    setFormError(null);
    try {
      const wallet = await api.post<Wallet>('/api/wallets', {
        name: values.name,
        source: values.source,
        ...(isNetwork(values.network) ? { network: values.network } : {}),
        ...(isScriptType(values.scriptType) ? { scriptType: values.scriptType } : {}),
      });
      navigate(`/wallets/${encodeURIComponent(wallet.id)}`);
    } catch (error) {
      if (error instanceof ApiError && error.errors.length) {
        const { fields, other } = fieldErrorsFromProblem(error.errors);
        form.setServerErrors(fields);
        if (other.length) setFormError(other.join(' '));
      } else setFormError(messageOf(error));
    }
  });

  return (
    <form className="card form" onSubmit={submit} noValidate data-testid="wallet-form">
      <h2>Add a wallet</h2>
      <p className="muted">
        Paste an address, an extended public key (xpub, ypub, zpub, tpub…) or an output descriptor. Satchel is
        watch-only: it never asks for a private key.
      </p>
      {formError ? (
        <p className="form-error" role="alert">
          {formError}
        </p>
      ) : null}
      <TextField label="Name" field={form.bind('name')} error={form.visibleErrors.name} maxLength={100} autoComplete="off" placeholder="e.g. Cold storage" />
      <div className="field">
        <label htmlFor={form.bind('source').id}>Address, xpub or descriptor</label>
        <textarea
          {...form.bind('source')}
          rows={3}
          spellCheck={false}
          autoComplete="off"
          data-testid="field-source"
          placeholder="zpub6r…, wpkh([d34db33f/84h/0h/0h]xpub…/<0;1>/*), bc1q…"
        />
        {form.visibleErrors.source ? (
          <p className="field-error" id={form.errorId('source')} data-testid="field-source-error">
            {form.visibleErrors.source}
          </p>
        ) : null}
        {detection?.ok ? (
          <dl className="details detected" data-testid="wallet-detected" aria-live="polite">
            <div data-detail="kind">
              <dt>Kind</dt>
              <dd>{detection.wallet.kind}</dd>
            </div>
            <div data-detail="network">
              <dt>Network</dt>
              <dd>{detection.wallet.network}</dd>
            </div>
            <div data-detail="scriptType">
              <dt>Script type</dt>
              <dd>{detection.wallet.scriptType}</dd>
            </div>
            {detection.wallet.fingerprint ? (
              <div data-detail="fingerprint">
                <dt>{detection.wallet.fingerprint.of === 'master' ? 'Master fingerprint' : 'Key fingerprint'}</dt>
                <dd>{detection.wallet.fingerprint.value}</dd>
              </div>
            ) : null}
            <div data-detail="descriptor" className="wide">
              <dt>Descriptor</dt>
              <dd>
                <code>{detection.wallet.descriptor}</code>
              </dd>
            </div>
          </dl>
        ) : null}
      </div>
      <div className="controls">
        <div className="field">
          <label htmlFor={form.bind('network').id}>Network</label>
          <select {...form.bind('network')} data-testid="field-network">
            <option value="">From the source (default {defaultNetwork})</option>
            {NETWORKS.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={form.bind('scriptType').id}>Script type</label>
          <select {...form.bind('scriptType')} data-testid="field-scriptType">
            <option value="">From the source</option>
            {SCRIPT_TYPES.map((t) => (
              <option key={t} value={t}>
                {SCRIPT_LABELS[t]}
              </option>
            ))}
          </select>
        </div>
      </div>
      <button type="submit" className="button primary" disabled={form.submitting}>
        {form.submitting ? 'Adding…' : 'Add wallet'}
      </button>
    </form>
  );
}

export function WalletsPage() {
  const session = useSession();
  const [wallets, setWallets] = useState<Wallet[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async (cursor?: string) => {
    setLoading(true);
    try {
      const page = await api.get<{ items: Wallet[]; next?: string }>(`/api/wallets?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      setWallets((current) => (cursor ? [...current, ...page.items] : page.items));
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

  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">Wallets</h1>
      <p className="lede">Watch-only wallets: addresses, balances and history, without a private key in sight.</p>
      <ChainPrivacyNotice />
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}

      <div className="card">
        <h2>Your wallets</h2>
        {loading && wallets.length === 0 ? (
          <p className="muted" role="status">
            Loading…
          </p>
        ) : wallets.length === 0 ? (
          <p className="muted">No wallets yet: add one below.</p>
        ) : (
          <div className="table-wrap">
            <table className="results" data-testid="wallets-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Network</th>
                  <th scope="col">Script</th>
                  <th scope="col" className="num">
                    Balance
                  </th>
                  <th scope="col">Last synced</th>
                </tr>
              </thead>
              <tbody>
                {wallets.map((w) => (
                  <tr key={w.id} data-testid="wallet-row">
                    <td>
                      <Link to={`/wallets/${encodeURIComponent(w.id)}`}>{w.name}</Link>
                    </td>
                    <td>{w.kind}</td>
                    <td>{w.network}</td>
                    <td>{w.scriptType}</td>
                    <td className="num nowrap">{formatSats(w.balanceSat.confirmed + w.balanceSat.unconfirmed)}</td>
                    <td>{w.lastSyncedAt ? new Date(w.lastSyncedAt).toLocaleString() : 'never'}</td>
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

      <AddWalletForm defaultNetwork={session.network ?? 'mainnet'} />
    </section>
  );
}
