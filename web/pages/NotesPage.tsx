import { ComingSoon } from '../components/ComingSoon.js';

export function NotesPage() {
  return <ComingSoon title="Notes">Notes on transactions and addresses: search, import from CSV or BIP-329 with a progress bar and a per-line error report, and export.</ComingSoon>;
}
