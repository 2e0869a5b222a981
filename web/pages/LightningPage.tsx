import { ComingSoon } from '../components/ComingSoon.js';

export function LightningPage() {
  return <ComingSoon title="Lightning">Lightning invoices, one at a time or in bulk, with QR codes and live status.</ComingSoon>;
}
