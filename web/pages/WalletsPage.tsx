import { ComingSoon } from '../components/ComingSoon.js';

export function WalletsPage() {
  return <ComingSoon title="Wallets">Watch-only wallets: add one by address, extended public key or descriptor with live validation, then see its addresses, balance and transactions with inline notes.</ComingSoon>;
}
