/**
 * Invalidation bus over Redis pub/sub: a change on one instance tells the others to drop their L1
 * copies (SPEC: "a write on one instance is seen by reads on every instance within a second").
 * Publishing goes through the guarded L2 client; this file owns the subscriber connection, which
 * ioredis reconnects and resubscribes by itself. After a reconnect messages may have been missed,
 * so the owner is told to resync (drop the L1 copies of shared namespaces).
 */
import type { Redis } from 'ioredis';
import type { CacheLogger } from './types.js';

export interface InvalidationMessage {
  instanceId: string;
  ns: string;
  keys?: string[];
  all?: true;
}

export interface BusHandlers {
  onMessage(message: InvalidationMessage): void;
  onResync(): void;
}

export function encodeMessage(message: InvalidationMessage): string {
  return JSON.stringify(message);
}

export function decodeMessage(raw: string): InvalidationMessage | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const m = parsed as Record<string, unknown>;
  if (typeof m.instanceId !== 'string' || typeof m.ns !== 'string') return undefined;
  if (m.all === true) return { instanceId: m.instanceId, ns: m.ns, all: true };
  if (Array.isArray(m.keys) && m.keys.every((k) => typeof k === 'string')) {
    return { instanceId: m.instanceId, ns: m.ns, keys: m.keys as string[] };
  }
  return undefined;
}

export class InvalidationBus {
  private subscribing: Promise<void> = Promise.resolve();
  private started: Promise<void> | undefined;
  /** Set while messages may have been missed (connection lost, or never made). */
  private missedMessages = false;
  private wasSubscribed = false;

  constructor(
    private readonly subscriber: Redis,
    readonly channel: string,
    readonly instanceId: string,
    private readonly handlers: BusHandlers,
    private readonly logger?: CacheLogger,
  ) {
    subscriber.on('message', (channel: string, raw: string) => {
      if (channel !== this.channel) return;
      const message = decodeMessage(raw);
      if (!message) {
        this.logger?.warn({ channel }, 'cache bus: ignored a malformed invalidation message');
        return;
      }
      if (message.instanceId === this.instanceId) return;
      this.handlers.onMessage(message);
    });
    subscriber.on('ready', () => {
      this.subscribing = this.subscribe();
    });
    subscriber.on('close', () => {
      if (this.wasSubscribed) this.missedMessages = true;
    });
  }

  private async subscribe(): Promise<void> {
    try {
      // Idempotent: ioredis may already have resubscribed on its own.
      await this.subscriber.subscribe(this.channel);
    } catch {
      this.missedMessages = true;
      return;
    }
    this.wasSubscribed = true;
    if (this.missedMessages) {
      this.missedMessages = false;
      this.handlers.onResync();
    }
  }

  /** Connects and subscribes; resolves once subscribed or once the first attempt failed. Never rejects. */
  start(): Promise<void> {
    this.started ??= this.subscriber.connect().then(
      () => this.subscribing,
      () => {
        // ioredis keeps reconnecting; the 'ready' handler subscribes and resyncs when it gets through.
        this.missedMessages = true;
      },
    );
    return this.started;
  }

  close(): void {
    this.subscriber.disconnect();
  }
}
