/** SPEC Run modes: a privacy notice while chain data comes from a public server (the default, mempool.space). */
import { useEffect, useState } from 'react';
import { api } from '../lib/api.js';
import type { ChainBackendInfo } from '../lib/wallets.js';

export function ChainPrivacyNotice() {
  const [info, setInfo] = useState<ChainBackendInfo | null>(null);
  useEffect(() => {
    let live = true;
    api.get<ChainBackendInfo>('/api/wallets/backend').then(
      (body) => live && setInfo(body),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  if (!info) return null;
  if (info.backend === 'none') {
    return (
      <p className="notice" data-testid="chain-notice">
        No chain backend is configured (<code>CHAIN_BACKEND=none</code>): addresses work, balances and transactions cannot be fetched.
      </p>
    );
  }
  if (!info.public) return null;
  return (
    <p className="notice notice-warn" role="note" data-testid="privacy-notice">
      Balances and transactions come from <strong>{info.host}</strong>, a public {info.backend === 'electrum' ? 'Electrum' : 'Esplora'} server:
      it sees every address Satchel looks up for you and can tell they belong together. For privacy, point{' '}
      <code>{info.backend === 'electrum' ? 'ELECTRUM_URL' : 'ESPLORA_URL'}</code> at your own node.
    </p>
  );
}
