/**
 * The live feed: GET /api/performance/stream (Server-Sent Events, `event: snapshot` each second) through
 * EventSource, which sends the session cookie same-origin and reconnects by itself after a network drop.
 * A refused connection (signed out, not an admin) closes it for good: the status says so and
 * `reconnect()` opens a new one.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { PerfSnapshot } from './model.js';

export const STREAM_PATH = '/api/performance/stream';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'closed';

export function usePerfStream(onSnapshot: (snapshot: PerfSnapshot) => void): { status: StreamStatus; reconnect: () => void } {
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const [generation, setGeneration] = useState(0);
  const handler = useRef(onSnapshot);
  handler.current = onSnapshot;

  useEffect(() => {
    if (typeof EventSource === 'undefined') {
      setStatus('closed');
      return undefined;
    }
    setStatus('connecting');
    const source = new EventSource(STREAM_PATH, { withCredentials: true });
    const onOpen = () => setStatus('live');
    const onError = () => setStatus(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
    const onMessage = (event: MessageEvent<string>) => {
      let snapshot: PerfSnapshot;
      try {
        snapshot = JSON.parse(event.data) as PerfSnapshot;
      } catch {
        return;
      }
      setStatus('live');
      handler.current(snapshot);
    };
    source.addEventListener('open', onOpen);
    source.addEventListener('error', onError);
    source.addEventListener('snapshot', onMessage as EventListener);
    return () => {
      source.removeEventListener('open', onOpen);
      source.removeEventListener('error', onError);
      source.removeEventListener('snapshot', onMessage as EventListener);
      source.close();
    };
  }, [generation]);

  const reconnect = useCallback(() => setGeneration((g) => g + 1), []);
  return { status, reconnect };
}
