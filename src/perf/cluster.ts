/**
 * Every instance's performance figures, seen from any instance (issue 7: "with Redis, each instance's
 * series is visible from any instance, labelled by instance"; issue 9: "/api/performance/* can show
 * every instance"). After each monitor tick the local snapshot, alerts and new history points are
 * published to a shared store (Redis, behind the PerfClusterStore port); the local instance is always
 * read from memory, the others from the store. Without a store only the local instance is listed, in
 * the same shapes. Publishing is best effort: a store that is down costs a gap in the other instances'
 * view of this one, never a request.
 */
import { AppError } from '../errors.js';
import type { Alert } from './alerts.js';
import { RANGES, type HistoryPoint, type HistoryRange } from './history.js';
import type { PerfMonitor, PerfSnapshot } from './monitor.js';

/** What an instance publishes once a second. */
export interface InstanceState {
  instance: string;
  startedAt: string;
  snapshot: PerfSnapshot;
  alerts: { active: Alert[]; recent: Alert[] };
}

export interface HistoryBatch {
  /** New one-second points, oldest first. */
  seconds: HistoryPoint[];
  /** New ten-second points, oldest first (one every ten ticks). */
  tens: HistoryPoint[];
}

/** The shared store every instance publishes to (implemented over Redis in adapters/redis/). */
export interface PerfClusterStore {
  publish(state: InstanceState, history: HistoryBatch): Promise<void>;
  /** Every instance that published within the last 24 h, with when it last did (ms). */
  instances(): Promise<Array<{ instance: string; lastSeenAt: number }>>;
  /** The latest state of an instance; undefined once it has not published for STATE_TTL_MS. */
  state(instance: string): Promise<InstanceState | undefined>;
  points(instance: string, resolutionS: 1 | 10): Promise<HistoryPoint[]>;
  close(): Promise<void>;
}

/** How long an instance's latest state is kept after its last publication (also "live" below). */
export const STATE_TTL_MS = 10_000;
/** One-second points kept (15 min) and ten-second points kept (24 h), as the local History. */
export const SECONDS_KEPT = 15 * 60;
export const TENS_KEPT = 24 * 360;
/** Points held back while the store is unreachable, at most (older ones are dropped). */
const BACKLOG_MAX = 60;

export type AlertView = Alert & { instance: string };

export interface InstanceSummary {
  instance: string;
  self: boolean;
  /** Published within STATE_TTL_MS (the local instance always is). */
  live: boolean;
  lastSeenAt: string;
  startedAt?: string;
  /** Headline figures of the latest snapshot, while live. */
  rps?: number;
  p99Ms?: number;
  errorRate?: number;
  rssMb?: number;
  activeAlerts?: number;
}

export interface PerfClusterOptions {
  instanceId: string;
  monitor: PerfMonitor;
  store?: PerfClusterStore;
  onError?: (error: unknown, context: string) => void;
  now?: () => number;
}

function withInstance(alerts: Alert[], instance: string): AlertView[] {
  return alerts.map((alert) => ({ ...alert, instance }));
}

function storeDown(error: unknown): AppError {
  return new AppError('dependency_down', 'Redis is unreachable: only this instance can be shown', { cause: error });
}

export class PerfCluster {
  readonly instanceId: string;
  readonly startedAt: string;
  private readonly now: () => number;
  private backlog: HistoryBatch = { seconds: [], tens: [] };
  private publishing: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopHistory: (() => void) | undefined;

  constructor(private readonly options: PerfClusterOptions) {
    this.instanceId = options.instanceId;
    this.now = options.now ?? Date.now;
    this.startedAt = new Date(this.now()).toISOString();
  }

  /** True when other instances can be seen (a shared store is configured). */
  get shared(): boolean {
    return this.options.store !== undefined;
  }

  start(): void {
    const { store, monitor } = this.options;
    if (!store || this.unsubscribe) return;
    this.stopHistory = monitor.history.listen((point, resolutionS) => {
      const list = resolutionS === 1 ? this.backlog.seconds : this.backlog.tens;
      list.push(point);
      if (list.length > BACKLOG_MAX) list.shift();
    });
    this.unsubscribe = monitor.subscribe((snapshot) => {
      // One publication at a time; points wait in the backlog for the next one.
      this.publishing ??= this.publish(store, snapshot).finally(() => {
        this.publishing = undefined;
      });
    });
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.stopHistory?.();
    this.unsubscribe = undefined;
    this.stopHistory = undefined;
    await this.publishing;
    await this.options.store?.close();
  }

  private async publish(store: PerfClusterStore, snapshot: PerfSnapshot): Promise<void> {
    const batch = this.backlog;
    this.backlog = { seconds: [], tens: [] };
    try {
      await store.publish({ instance: this.instanceId, startedAt: this.startedAt, snapshot, alerts: this.options.monitor.alerts.list() }, batch);
    } catch (error) {
      // Keep the points for the next try, bounded.
      this.backlog = {
        seconds: [...batch.seconds, ...this.backlog.seconds].slice(-BACKLOG_MAX),
        tens: [...batch.tens, ...this.backlog.tens].slice(-BACKLOG_MAX),
      };
      this.options.onError?.(error, 'publishing performance figures to Redis failed');
    }
  }

  /** Every known instance, this one first; without a store (or with it down) only this one. */
  async instances(): Promise<{ self: string; shared: boolean; reachable: boolean; instances: InstanceSummary[] }> {
    const local = this.summary(this.localState(this.options.monitor.latest()), this.now(), true);
    const { store } = this.options;
    if (!store) return { self: this.instanceId, shared: false, reachable: true, instances: [local] };
    let seen: Array<{ instance: string; lastSeenAt: number }>;
    try {
      seen = await store.instances();
    } catch (error) {
      this.options.onError?.(error, 'listing instances in Redis failed');
      return { self: this.instanceId, shared: true, reachable: false, instances: [local] };
    }
    const others = await Promise.all(
      seen
        .filter((s) => s.instance !== this.instanceId)
        .sort((x, y) => x.instance.localeCompare(y.instance))
        .map(async (s) => this.summary(await store.state(s.instance).catch(() => undefined), s.lastSeenAt, false, s.instance)),
    );
    return { self: this.instanceId, shared: true, reachable: true, instances: [local, ...others] };
  }

  /** The current snapshot of one instance (404 when it is not known or no longer publishes). */
  async metrics(instance: string): Promise<PerfSnapshot> {
    if (instance === this.instanceId) return this.options.monitor.current();
    return (await this.remoteState(instance)).snapshot;
  }

  /** The snapshot of every live instance, this one first. */
  async allMetrics(): Promise<PerfSnapshot[]> {
    const local = await this.options.monitor.current();
    return [local, ...(await this.remoteStates()).map((s) => s.snapshot)];
  }

  async history(instance: string, range: HistoryRange): Promise<{ resolutionS: number; points: HistoryPoint[] }> {
    if (instance === this.instanceId) return this.options.monitor.history.range(range, this.now());
    const { store } = this.options;
    const known = store ? await this.knownInstances(store) : [];
    if (!store || !known.includes(instance)) throw new AppError('not_found', `No instance "${instance}" has published figures in the last 24 h`);
    return this.remoteHistory(store, instance, range);
  }

  async allHistory(range: HistoryRange): Promise<{ resolutionS: number; instances: Array<{ instance: string; points: HistoryPoint[] }> }> {
    const local = this.options.monitor.history.range(range, this.now());
    const instances = [{ instance: this.instanceId, points: local.points }];
    const { store } = this.options;
    if (store) {
      try {
        const others = (await this.knownInstances(store)).filter((id) => id !== this.instanceId).sort();
        for (const id of others) instances.push({ instance: id, points: (await this.remoteHistory(store, id, range)).points });
      } catch (error) {
        // As the other 'all' views: with Redis down, this instance alone.
        this.options.onError?.(error, 'reading other instances from Redis failed');
        instances.length = 1;
      }
    }
    return { resolutionS: local.resolutionS, instances };
  }

  /** Active and recent alerts of one instance, or of every live one ('all'), each naming its instance. */
  async alerts(instance: string | 'all'): Promise<{ active: AlertView[]; recent: AlertView[] }> {
    const local = this.options.monitor.alerts.list();
    if (instance === this.instanceId) return { active: withInstance(local.active, instance), recent: withInstance(local.recent, instance) };
    if (instance !== 'all') {
      const state = await this.remoteState(instance);
      return { active: withInstance(state.alerts.active, instance), recent: withInstance(state.alerts.recent, instance) };
    }
    const states = [{ instance: this.instanceId, alerts: local }, ...(await this.remoteStates())];
    const byStart = (x: Alert, y: Alert) => y.startedAt.localeCompare(x.startedAt);
    return {
      active: states.flatMap((s) => withInstance(s.alerts.active, s.instance)).sort(byStart),
      recent: states.flatMap((s) => withInstance(s.alerts.recent, s.instance)).sort((x, y) => (y.endedAt ?? '').localeCompare(x.endedAt ?? '')),
    };
  }

  private localState(snapshot: PerfSnapshot | undefined): InstanceState | undefined {
    return snapshot && { instance: this.instanceId, startedAt: this.startedAt, snapshot, alerts: this.options.monitor.alerts.list() };
  }

  private summary(state: InstanceState | undefined, lastSeenAt: number, self: boolean, instance = this.instanceId): InstanceSummary {
    const live = self || (state !== undefined && this.now() - lastSeenAt < STATE_TTL_MS);
    const base: InstanceSummary = { instance, self, live, lastSeenAt: new Date(lastSeenAt).toISOString() };
    if (!state) return base;
    const { snapshot } = state;
    return {
      ...base,
      startedAt: state.startedAt,
      rps: snapshot.http.rps,
      p99Ms: snapshot.http.latency.p99,
      errorRate: snapshot.http.errorRate,
      rssMb: snapshot.process.rssMb,
      activeAlerts: state.alerts.active.length,
    };
  }

  private async knownInstances(store: PerfClusterStore): Promise<string[]> {
    try {
      return (await store.instances()).map((s) => s.instance);
    } catch (error) {
      throw storeDown(error);
    }
  }

  private async remoteState(instance: string): Promise<InstanceState> {
    const { store } = this.options;
    let state: InstanceState | undefined;
    if (store) {
      try {
        state = await store.state(instance);
      } catch (error) {
        throw storeDown(error);
      }
    }
    if (!state) throw new AppError('not_found', `No instance "${instance}" has published figures in the last ${STATE_TTL_MS / 1000} s`);
    return state;
  }

  /** The latest state of every other live instance, sorted by id; none while the store is down. */
  private async remoteStates(): Promise<InstanceState[]> {
    const { store } = this.options;
    if (!store) return [];
    try {
      const seen = (await store.instances()).filter((s) => s.instance !== this.instanceId && this.now() - s.lastSeenAt < STATE_TTL_MS);
      const states = await Promise.all(seen.map((s) => store.state(s.instance)));
      return states.filter((s): s is InstanceState => s !== undefined).sort((x, y) => x.instance.localeCompare(y.instance));
    } catch (error) {
      this.options.onError?.(error, 'reading other instances from Redis failed');
      return [];
    }
  }

  private async remoteHistory(store: PerfClusterStore, instance: string, range: HistoryRange): Promise<{ resolutionS: number; points: HistoryPoint[] }> {
    const resolutionS = range === '15m' ? 1 : 10;
    let points: HistoryPoint[];
    try {
      points = await store.points(instance, resolutionS);
    } catch (error) {
      throw storeDown(error);
    }
    const since = this.now() - RANGES[range];
    return { resolutionS, points: points.filter((p) => p.t >= since) };
  }
}
