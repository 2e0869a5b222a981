/** A wallet's derived addresses, 20 at a time, per chain (receive/change), each with copy and a QR code. */
import { useEffect, useState } from 'react';
import { api, ApiError } from '../lib/api.js';
import type { ChainName, Wallet, WalletAddress } from '../lib/wallets.js';
import { AddressQrCode } from './AddressQrCode.js';
import { CopyButton } from './CopyButton.js';

const PAGE = 20;

function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.userMessage : 'Something went wrong. Please try again.';
}

export function WalletAddressList({ wallet }: { wallet: Wallet }) {
  const [chain, setChain] = useState<ChainName>('receive');
  const [start, setStart] = useState(0);
  const [addresses, setAddresses] = useState<WalletAddress[]>([]);
  const [shown, setShown] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    api.get<{ addresses: WalletAddress[] }>(`/api/wallets/${encodeURIComponent(wallet.id)}/addresses?chain=${chain}&start=${start}&count=${PAGE}`).then(
      (body) => live && (setAddresses(body.addresses), setError(null)),
      (e) => live && setError(messageOf(e)),
    );
    return () => {
      live = false;
    };
  }, [wallet.id, chain, start]);

  return (
    <div className="card" data-testid="addresses">
      <h2>Addresses</h2>
      {wallet.chains.length > 1 ? (
        <div className="tabs" role="tablist" aria-label="Address chain">
          {wallet.chains.map((c) => (
            <button
              key={c}
              type="button"
              role="tab"
              aria-selected={chain === c}
              className={`button ${chain === c ? 'primary' : 'ghost'} small`}
              data-testid={`chain-${c}`}
              onClick={() => {
                setChain(c);
                setStart(0);
                setShown(null);
              }}
            >
              {c === 'receive' ? 'Receive' : 'Change'}
            </button>
          ))}
        </div>
      ) : null}
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="table-wrap">
        <table className="results" data-testid="addresses-table">
          <thead>
            <tr>
              <th scope="col" className="num">
                #
              </th>
              <th scope="col">Address</th>
              <th scope="col">Path</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {addresses.map((a) => (
              <tr key={`${a.chain}/${a.index}`} data-testid="address-row">
                <td className="num">{a.index}</td>
                <td className="value">
                  <code>{a.address}</code>
                  {shown === a.address ? <AddressQrCode address={a.address} /> : null}
                </td>
                <td className="nowrap">{a.path || '—'}</td>
                <td className="nowrap">
                  <CopyButton text={a.address} label={a.address} />{' '}
                  <button type="button" className="button ghost small" onClick={() => setShown(shown === a.address ? null : a.address)} aria-expanded={shown === a.address}>
                    QR<span className="visually-hidden"> code of {a.address}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {wallet.ranged ? (
        <div className="pager">
          <button type="button" className="button ghost small" disabled={start === 0} onClick={() => setStart(Math.max(0, start - PAGE))}>
            Previous
          </button>
          <span className="muted">
            {start}–{start + PAGE - 1}
          </span>
          <button type="button" className="button ghost small" onClick={() => setStart(start + PAGE)}>
            Next
          </button>
        </div>
      ) : null}
    </div>
  );
}
