/**
 * One wallet (`/wallets/:id`): balance and sync, the next address to hand out (with its gap-limit
 * warning), receive/change addresses with copy and QR code, gap-limit settings, and the transaction
 * history with notes, paged, plus a CSV export.
 */
import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { AddressQrCode } from '../components/AddressQrCode.js';
import { ChainPrivacyNotice } from '../components/ChainPrivacyNotice.js';
import { CopyButton } from '../components/CopyButton.js';
import { InlineNote } from '../components/NoteHistory.js';
import { WalletAddressList } from '../components/WalletAddressList.js';
import { api, ApiError } from '../lib/api.js';
import { Link, matchPath, navigate, useLocation } from '../lib/router.js';
import { formatSats, type NextUnusedAddress, type SyncResult, type Wallet, type WalletTransaction } from '../lib/wallets.js';

function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.userMessage : 'Something went wrong. Please try again.';
}

function NextAddress({ wallet, version }: { wallet: Wallet; version: number }) {
  const [next, setNext] = useState<NextUnusedAddress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const url = `/api/wallets/${encodeURIComponent(wallet.id)}/addresses/next-unused?chain=receive`;

  useEffect(() => {
    api.get<NextUnusedAddress>(url).then(setNext, (e) => setError(messageOf(e)));
  }, [url, version]);

  const handOut = async () => {
    setBusy(true);
    try {
      await api.post<NextUnusedAddress>(url);
      setNext(await api.get<NextUnusedAddress>(url));
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="card" data-testid="next-address">
      <h2>Receive</h2>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      {next ? (
        <div className="receive">
          <AddressQrCode address={next.address} size={200} />
          <div className="receive-text">
            <p>
              Next unused address (#{next.index}, <span className="muted">{next.path || 'single address'}</span>):
            </p>
            <p>
              <code data-testid="next-address-value">{next.address}</code> <CopyButton text={next.address} label="address" />
            </p>
            {next.warning ? (
              <p className="notice notice-warn" data-testid="gap-warning">
                {next.warning.message}
              </p>
            ) : null}
            {wallet.ranged ? (
              <button type="button" className="button ghost" disabled={busy} onClick={() => void handOut()}>
                {busy ? 'Working…' : 'Mark as given out, show the next one'}
              </button>
            ) : null}
          </div>
        </div>
      ) : null}
    </div>
  );
}

function GapLimitForm({ wallet, onSaved }: { wallet: Wallet; onSaved: (w: Wallet) => void }) {
  const id = useId();
  const [receive, setReceive] = useState(String(wallet.gapLimit.receive));
  const [change, setChange] = useState(String(wallet.gapLimit.change));
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const values = [Number(receive), Number(change)];
    if (values.some((n) => !/^\d+$/.test(String(n)) || n < 1 || n > 1000)) {
      setError('Gap limits are whole numbers from 1 to 1,000.');
      return;
    }
    setSaving(true);
    try {
      onSaved(await api.patch<Wallet>(`/api/wallets/${encodeURIComponent(wallet.id)}`, { gapLimit: { receive: values[0], change: values[1] } }));
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="card form" onSubmit={save} noValidate data-testid="gap-form">
      <h2>Gap limit</h2>
      <p className="muted">
        A sync stops looking after this many unused addresses in a row. Raise it if payments went to addresses further
        out; the next sync then scans the wallet again from the start.
      </p>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="controls">
        <div className="field">
          <label htmlFor={`${id}-receive`}>Receive</label>
          <input id={`${id}-receive`} inputMode="numeric" value={receive} onChange={(e) => setReceive(e.target.value)} />
        </div>
        {wallet.chains.includes('change') ? (
          <div className="field">
            <label htmlFor={`${id}-change`}>Change</label>
            <input id={`${id}-change`} inputMode="numeric" value={change} onChange={(e) => setChange(e.target.value)} />
          </div>
        ) : null}
      </div>
      {wallet.rescanPending ? <p className="notice">The next sync re-scans the wallet with the new limits.</p> : null}
      <button type="submit" className="button ghost" disabled={saving}>
        {saving ? 'Saving…' : 'Save gap limits'}
      </button>
    </form>
  );
}

function Transactions({ wallet, version }: { wallet: Wallet; version: number }) {
  const [rows, setRows] = useState<WalletTransaction[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const base = `/api/wallets/${encodeURIComponent(wallet.id)}/transactions?limit=50`;

  const load = useCallback(
    async (cursor?: string) => {
      try {
        const page = await api.get<{ transactions: WalletTransaction[]; next?: string }>(`${base}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        setRows((current) => (cursor ? [...current, ...page.transactions] : page.transactions));
        setNext(page.next);
        setError(null);
      } catch (e) {
        setError(messageOf(e));
      }
    },
    [base],
  );

  useEffect(() => {
    void load();
  }, [load, version]);

  return (
    <div className="card" data-testid="transactions">
      <h2>Transactions</h2>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      {rows.length === 0 ? (
        <p className="muted">{wallet.lastSyncedAt ? 'No transactions.' : 'Sync the wallet to see its transactions.'}</p>
      ) : (
        <div className="table-wrap">
          <table className="results" data-testid="transactions-table">
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Transaction</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col" className="num">
                  Fee
                </th>
                <th scope="col">Note</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((tx) => (
                <tr key={tx.txid} data-testid="transaction-row">
                  <td className="nowrap">{tx.time ? new Date(tx.time * 1000).toLocaleString() : <span className="chip">unconfirmed</span>}</td>
                  <td className="value">
                    <code>{tx.txid}</code>
                  </td>
                  <td className={`num nowrap ${tx.amountSat < 0 ? 'amount-out' : 'amount-in'}`}>
                    {tx.amountSat > 0 ? '+' : ''}
                    {formatSats(tx.amountSat)}
                  </td>
                  <td className="num nowrap">{tx.feeSat !== undefined ? formatSats(tx.feeSat) : '—'}</td>
                  <td>
                    <InlineNote type="tx" noteRef={tx.txid} note={tx.note} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="pager">
        {next ? (
          <button type="button" className="button ghost small" onClick={() => void load(next)}>
            Show more
          </button>
        ) : null}
        {rows.length ? (
          <a className="button ghost small" href={`/api/wallets/${encodeURIComponent(wallet.id)}/transactions.csv`} download>
            Export CSV
          </a>
        ) : null}
      </div>
    </div>
  );
}

export function WalletPage() {
  const { pathname } = useLocation();
  const id = matchPath('/wallets/:id', pathname)?.id ?? '';
  const [wallet, setWallet] = useState<Wallet | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [syncing, setSyncing] = useState(false);
  const [syncNote, setSyncNote] = useState<string | null>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let live = true;
    api.get<Wallet>(`/api/wallets/${encodeURIComponent(id)}`).then(
      (w) => live && setWallet(w),
      (e) => live && setError(e instanceof ApiError && e.status === 404 ? 'No such wallet.' : messageOf(e)),
    );
    return () => {
      live = false;
    };
  }, [id, version]);

  const sync = async () => {
    setSyncing(true);
    setSyncNote(null);
    setError(null);
    try {
      const result = await api.post<SyncResult>(`/api/wallets/${encodeURIComponent(id)}/sync`);
      setSyncNote(`Synced: ${result.txCount} transactions on ${result.usedAddresses} used addresses.`);
      setVersion((v) => v + 1);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setSyncing(false);
    }
  };

  const remove = async () => {
    if (!wallet || !window.confirm(`Remove "${wallet.name}" from Satchel? Your coins are not affected.`)) return;
    try {
      await api.delete(`/api/wallets/${encodeURIComponent(id)}`);
      navigate('/wallets');
    } catch (e) {
      setError(messageOf(e));
    }
  };

  if (!wallet) {
    return (
      <section className="page" aria-labelledby="page-title">
        <h1 id="page-title">Wallet</h1>
        {error ? (
          <p className="form-error" role="alert">
            {error} <Link to="/wallets">Back to wallets</Link>
          </p>
        ) : (
          <p className="muted" role="status">
            Loading…
          </p>
        )}
      </section>
    );
  }

  const total = wallet.balanceSat.confirmed + wallet.balanceSat.unconfirmed;
  return (
    <section className="page" aria-labelledby="page-title">
      <p>
        <Link to="/wallets">← Wallets</Link>
      </p>
      <h1 id="page-title" data-testid="wallet-name">
        {wallet.name}
      </h1>
      <p className="wallet-tags">
        <span className="chip">{wallet.kind}</span> <span className="chip">{wallet.network}</span> <span className="chip">{wallet.scriptType}</span>
      </p>
      <p className="descriptor">
        <code data-testid="wallet-descriptor">{wallet.descriptor}</code> <CopyButton text={wallet.descriptor} label="descriptor" />
      </p>
      <ChainPrivacyNotice />
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}

      <div className="card balance" data-testid="balance">
        <h2>Balance</h2>
        <p className="balance-total" data-testid="balance-total">
          {formatSats(total)}
        </p>
        <p className="muted">
          {formatSats(wallet.balanceSat.confirmed)} confirmed · {formatSats(wallet.balanceSat.unconfirmed)} unconfirmed · {wallet.txCount}{' '}
          transactions · last synced {wallet.lastSyncedAt ? new Date(wallet.lastSyncedAt).toLocaleString() : 'never'}
        </p>
        <div className="pager">
          <button type="button" className="button primary" disabled={syncing} aria-busy={syncing} onClick={() => void sync()} data-testid="sync-button">
            {syncing ? (
              <>
                <span className="spinner" aria-hidden="true" /> Syncing…
              </>
            ) : (
              'Sync now'
            )}
          </button>
          {syncNote ? (
            <span role="status" className="muted">
              {syncNote}
            </span>
          ) : null}
        </div>
      </div>

      <NextAddress wallet={wallet} version={version} />
      <WalletAddressList wallet={wallet} />
      <Transactions wallet={wallet} version={version} />
      <GapLimitForm key={`${wallet.gapLimit.receive}/${wallet.gapLimit.change}`} wallet={wallet} onSaved={setWallet} />
      <div className="card">
        <button type="button" className="button ghost" onClick={() => void remove()}>
          Remove wallet
        </button>
      </div>
    </section>
  );
}
