/**
 * The payment webhook: one URL that Satchel POSTs to when an invoice is paid, signed with a secret that
 * is shown once, right after the URL is saved; and the recent deliveries with their attempts.
 */
import { useCallback, useEffect, useState } from 'react';
import { api, ApiError } from '../../lib/api.js';
import { CopyButton } from '../CopyButton.js';

interface WebhookView {
  url: string;
  createdAt: string;
}
interface DeliveryView {
  id: string;
  invoiceId: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  createdAt: string;
  nextAttemptAt?: string;
  lastStatus?: number;
  lastError?: string;
}

export function WebhookPanel() {
  const [webhook, setWebhook] = useState<WebhookView | null>(null);
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const [deliveries, setDeliveries] = useState<DeliveryView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    const current = await api.get<WebhookView | { url: null }>('/api/lightning/webhook');
    setWebhook(current.url === null ? null : current);
    setDeliveries((await api.get<{ items: DeliveryView[] }>('/api/lightning/webhook/deliveries')).items);
  }, []);

  useEffect(() => {
    load().catch(() => setError('Could not load the webhook.'));
  }, [load]);

  const save = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const saved = await api.put<WebhookView & { secret: string }>('/api/lightning/webhook', { url: url.trim() });
      setSecret(saved.secret);
      setUrl('');
      await load();
    } catch (e) {
      setError(e instanceof ApiError ? (e.errors[0]?.message ?? e.userMessage) : 'Could not save the webhook.');
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setBusy(true);
    try {
      await api.delete('/api/lightning/webhook');
      setSecret(null);
      await load();
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="webhook-title" data-testid="webhook-panel">
      <h2 id="webhook-title">Payment webhook</h2>
      <p className="hint">
        When an invoice is paid, Satchel POSTs an <code>invoice.paid</code> event to this URL and retries for about a day
        until your server answers 2xx. Each request is signed: the <code>Satchel-Signature</code> header carries{' '}
        <code>t=…,v1=…</code>, where v1 is the HMAC-SHA256, keyed with your secret, of the timestamp t, a dot, and the
        raw body.
      </p>
      {webhook ? (
        <p>
          Sending to <code data-testid="webhook-url">{webhook.url}</code>{' '}
          <button type="button" onClick={() => void remove()} disabled={busy}>
            Remove
          </button>
        </p>
      ) : null}
      {secret ? (
        <p role="status" data-testid="webhook-secret">
          Signing secret (shown once): <code>{secret}</code> <CopyButton text={secret} label="Copy secret" />
        </p>
      ) : null}
      <form onSubmit={(e) => void save(e)}>
        <label>
          {webhook ? 'New URL' : 'URL'}
          <input type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://example.com/hooks/satchel" required />
        </label>
        <button type="submit" disabled={busy || url.trim() === ''}>
          {webhook ? 'Replace' : 'Save'}
        </button>
      </form>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      {deliveries.length ? (
        <table data-testid="webhook-deliveries">
          <thead>
            <tr>
              <th>Invoice</th>
              <th>State</th>
              <th>Attempts</th>
              <th>Last answer</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.map((d) => (
              <tr key={d.id}>
                <td>
                  <code>{d.invoiceId.slice(0, 12)}…</code>
                </td>
                <td>{d.state}</td>
                <td>{d.attempts}</td>
                <td>{d.lastError ?? (d.lastStatus ? String(d.lastStatus) : '')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
