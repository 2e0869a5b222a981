/**
 * Lightning (SPEC Web UI): the node this server uses, one invoice at a time (QR code, copy) or many at
 * once (pasted lines or CSV, per-line results, CSV download), and the user's invoices with their status
 * refreshed every few seconds. On the dev backend a payment can be simulated.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { BulkInvoiceForm } from '../components/lightning/BulkInvoiceForm.js';
import { CreateInvoiceForm } from '../components/lightning/CreateInvoiceForm.js';
import { InvoiceCard } from '../components/lightning/InvoiceCard.js';
import { InvoiceList } from '../components/lightning/InvoiceList.js';
import { WebhookPanel } from '../components/lightning/WebhookPanel.js';
import { api, ApiError } from '../lib/api.js';
import type { InvoiceStatus, InvoiceView, NodeView } from '../lib/lightning.js';

const POLL_MS = 3_000;
const PAGE = 50;

interface InvoicePage {
  items: InvoiceView[];
  next?: string;
}

function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.userMessage : 'Something went wrong. Please try again.';
}

function pageUrl(status: InvoiceStatus | '', cursor?: string): string {
  const query = new URLSearchParams({ limit: String(PAGE) });
  if (status) query.set('status', status);
  if (cursor) query.set('cursor', cursor);
  return `/api/lightning/invoices?${query}`;
}

export function LightningPage() {
  const [node, setNode] = useState<NodeView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<InvoiceView | null>(null);
  const [status, setStatus] = useState<InvoiceStatus | ''>('');
  const [firstPage, setFirstPage] = useState<InvoiceView[]>([]);
  const [morePages, setMorePages] = useState<InvoiceView[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [paying, setPaying] = useState(false);
  const selectedRef = useRef<InvoiceView | null>(null);
  selectedRef.current = selected;
  const morePagesRef = useRef(0);
  morePagesRef.current = morePages.length;

  useEffect(() => {
    api.get<NodeView>('/api/lightning/node').then(setNode, (e: unknown) => setError(`Lightning node: ${messageOf(e)}`));
  }, []);

  // The first page and the shown invoice are refreshed; pages loaded with "Load more" are kept as loaded.
  const refresh = useCallback(async () => {
    try {
      const page = await api.get<InvoicePage>(pageUrl(status));
      setFirstPage(page.items);
      // Until more pages are loaded, the cursor follows the refreshed first page (new invoices shift it).
      if (morePagesRef.current === 0) setNext(page.next);
      const shown = selectedRef.current;
      if (shown?.status === 'pending') {
        const fresh = page.items.find((i) => i.id === shown.id) ?? (await api.get<InvoiceView>(`/api/lightning/invoices/${encodeURIComponent(shown.id)}`));
        if (selectedRef.current?.id === fresh.id) setSelected(fresh);
      }
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setLoading(false);
    }
  }, [status]);

  useEffect(() => {
    setMorePages([]);
    setNext(undefined);
    setLoading(true);
    void refresh();
    const timer = setInterval(() => {
      if (!document.hidden) void refresh();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  const loadMore = async () => {
    if (!next) return;
    try {
      const page = await api.get<InvoicePage>(pageUrl(status, next));
      setMorePages((current) => [...current, ...page.items]);
      setNext(page.next);
    } catch (e) {
      setError(messageOf(e));
    }
  };

  const simulate = async (invoice: InvoiceView) => {
    setPaying(true);
    try {
      const paid = await api.post<InvoiceView>(`/api/lightning/invoices/${encodeURIComponent(invoice.id)}/simulate-payment`);
      if (selectedRef.current?.id === paid.id) setSelected(paid);
      setFirstPage((items) => items.map((i) => (i.id === paid.id ? paid : i)));
      setMorePages((items) => items.map((i) => (i.id === paid.id ? paid : i)));
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setPaying(false);
    }
  };

  const shown = [...firstPage, ...morePages.filter((m) => !firstPage.some((f) => f.id === m.id))];
  const canSimulate = node?.canSimulatePayments ?? false;

  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">Lightning</h1>
      <p className="lede" data-testid="node-info">
        {node ? (
          <>
            Invoices are issued by {node.backend === 'dev' ? 'the built-in dev node' : 'your LND node'} <strong>{node.alias}</strong> on{' '}
            {node.network} (<code title={node.pubkey}>{node.pubkey.slice(0, 16)}…</code>).
            {node.backend === 'dev' ? ' Its invoices are real BOLT 11, but payments are only simulated.' : ''}
          </>
        ) : (
          'Lightning invoices, one at a time or many at once, with QR codes and live status.'
        )}
      </p>
      {error ? (
        <p className="form-error" role="alert" data-testid="lightning-error">
          {error}
        </p>
      ) : null}

      {selected ? <InvoiceCard invoice={selected} canSimulate={canSimulate} busy={paying} onSimulate={simulate} onClose={() => setSelected(null)} /> : null}

      <CreateInvoiceForm
        onCreated={(invoice) => {
          setSelected(invoice);
          void refresh();
        }}
      />
      <BulkInvoiceForm onCreated={() => void refresh()} />
      <InvoiceList
        invoices={shown}
        status={status}
        onStatus={setStatus}
        hasMore={next !== undefined}
        onMore={loadMore}
        onShow={setSelected}
        canSimulate={canSimulate}
        onSimulate={simulate}
        loading={loading}
      />
      <WebhookPanel />
    </section>
  );
}
