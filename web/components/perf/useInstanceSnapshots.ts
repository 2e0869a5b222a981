/**
 * The live feed of another instance. The snapshot stream (GET /api/performance/stream) is local to the
 * instance that answers it, so another instance's figures are polled from the shared store instead:
 * GET /api/performance/metrics?instance=<id> once a second (the instance publishes once a second).
 *
 * Live means a new snapshot (a newer `at`) arrived within STALE_AFTER_MS; past that the instance is
 * `stale` (its last publication is still in Redis but nothing new comes), and once the API no longer
 * knows it (404, after the store's STATE_TTL_MS) it is `gone`. Any other failure (Redis down, network)
 * is `error`. Polling goes on in every state, so an instance that comes back is live again.
 */
import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../../lib/api.js';
import type { PerfSnapshot } from './model.js';

export const INSTANCE_POLL_MS = 1_000;
/** No newer snapshot for this long: not live. Several publications missed, not one late poll. */
export const STALE_AFTER_MS = 4_000;

export type InstanceFeedStatus = 'connecting' | 'live' | 'stale' | 'gone' | 'error';

export interface InstanceFeed {
  status: InstanceFeedStatus;
  /** `at` of the newest snapshot received (the instance's clock). */
  lastAt: string | null;
  /** What went wrong, for `gone` and `error`. */
  message: string | null;
}

const IDLE: InstanceFeed = { status: 'connecting', lastAt: null, message: null };

export function metricsPath(instance: string): string {
  return `/api/performance/metrics?instance=${encodeURIComponent(instance)}`;
}

/** Polls `instance` (none while null) and hands every new snapshot to `onSnapshot`. */
export function useInstanceSnapshots(instance: string | null, onSnapshot: (snapshot: PerfSnapshot) => void, intervalMs = INSTANCE_POLL_MS): InstanceFeed {
  // Keyed by instance: a feed of the previous choice is never shown for the new one.
  const [feed, setFeed] = useState<InstanceFeed & { instance: string | null }>({ ...IDLE, instance: null });
  const handler = useRef(onSnapshot);
  handler.current = onSnapshot;

  useEffect(() => {
    if (instance === null) return undefined;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let lastAt: string | null = null;
    // When (on this browser's clock) a newer snapshot last arrived.
    let freshAt = Date.now();
    const poll = async () => {
      try {
        const snapshot = await api.get<PerfSnapshot>(metricsPath(instance), { signal: controller.signal });
        if (controller.signal.aborted) return;
        if (snapshot.at !== lastAt) {
          lastAt = snapshot.at;
          freshAt = Date.now();
          handler.current(snapshot);
        }
        const status: InstanceFeedStatus = Date.now() - freshAt > STALE_AFTER_MS ? 'stale' : 'live';
        setFeed((current) =>
          current.instance === instance && current.status === status && current.lastAt === lastAt && current.message === null
            ? current
            : { instance, status, lastAt, message: null },
        );
      } catch (e) {
        if (controller.signal.aborted) return;
        const gone = e instanceof ApiError && e.status === 404;
        const message = e instanceof ApiError ? e.userMessage : 'The API cannot be reached.';
        setFeed({ instance, status: gone ? 'gone' : 'error', lastAt, message });
      }
      if (!controller.signal.aborted) timer = setTimeout(() => void poll(), intervalMs);
    };
    void poll();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [instance, intervalMs]);

  if (instance === null || feed.instance !== instance) return IDLE;
  return { status: feed.status, lastAt: feed.lastAt, message: feed.message };
}
