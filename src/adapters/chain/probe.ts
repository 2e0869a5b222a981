/**
 * The `chain` dependency check of the performance monitor. The monitor probes every few seconds; a
 * public Esplora must not see a request that often, so an answer is reused for a minute.
 */
import type { ChainBackend } from '../../domain/wallets/chain.js';

export type ProbeResult = { ok: boolean; detail?: string };

export function chainProbe(backend: ChainBackend, reuseMs = 60_000): () => Promise<ProbeResult> {
  if (backend.kind === 'none') return async () => ({ ok: true, detail: 'no chain backend configured (CHAIN_BACKEND=none)' });
  let last: { at: number; result: ProbeResult } | undefined;
  let running: Promise<ProbeResult> | undefined;
  return () => {
    if (last && Date.now() - last.at < reuseMs) return Promise.resolve(last.result);
    running ??= backend
      .tipHeight()
      .then(
        (height): ProbeResult => ({ ok: true, detail: `${backend.kind}: tip at height ${height}` }),
        (error: unknown): ProbeResult => ({ ok: false, detail: `${backend.kind}: ${(error as Error).message}`.slice(0, 200) }),
      )
      .then((result) => {
        last = { at: Date.now(), result };
        running = undefined;
        return result;
      });
    return running;
  };
}
