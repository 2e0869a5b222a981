/**
 * WebhookStore over `lightning_webhooks` and `webhook_deliveries` (SQLite and PostgreSQL alike). Claims
 * are conditional updates: a delivery is leased to one instance at a time, and an instance that died
 * mid-attempt loses its lease when it runs out, so another one retries the delivery.
 */
import type { DeliveryState, WebhookDelivery, WebhookEndpoint, WebhookStore } from '../../domain/lightning/payment-webhooks.js';
import { isUniqueViolation } from './dialect.js';
import type { Db, WebhookDeliveriesTable } from './schema.js';
import type { Selectable } from 'kysely';

function toDelivery(row: Selectable<WebhookDeliveriesTable>): WebhookDelivery {
  return {
    id: row.id,
    userId: row.user_id,
    invoiceId: row.invoice_id,
    event: row.event as WebhookDelivery['event'],
    payload: row.payload,
    state: row.state,
    attempts: Number(row.attempts),
    nextAttemptAt: new Date(Number(row.next_attempt_at)),
    lastStatus: row.last_status === null ? null : Number(row.last_status),
    lastError: row.last_error,
    createdAt: new Date(Number(row.created_at)),
  };
}

export class SqlWebhookStore implements WebhookStore {
  constructor(private readonly db: Db) {}

  async getEndpoint(userId: string): Promise<WebhookEndpoint | null> {
    const row = await this.db.selectFrom('lightning_webhooks').selectAll().where('user_id', '=', userId).executeTakeFirst();
    return row ? { url: row.url, secret: row.secret, createdAt: new Date(Number(row.created_at)) } : null;
  }

  async putEndpoint(userId: string, endpoint: WebhookEndpoint): Promise<void> {
    const values = { url: endpoint.url, secret: endpoint.secret, created_at: endpoint.createdAt.getTime() };
    await this.db
      .insertInto('lightning_webhooks')
      .values({ user_id: userId, ...values })
      .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
      .execute();
  }

  async deleteEndpoint(userId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('lightning_webhooks').where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async enqueue(delivery: WebhookDelivery): Promise<boolean> {
    try {
      await this.db
        .insertInto('webhook_deliveries')
        .values({
          id: delivery.id,
          user_id: delivery.userId,
          invoice_id: delivery.invoiceId,
          event: delivery.event,
          payload: delivery.payload,
          state: delivery.state,
          attempts: delivery.attempts,
          next_attempt_at: delivery.nextAttemptAt.getTime(),
          lease_owner: null,
          lease_until: null,
          last_status: null,
          last_error: null,
          created_at: delivery.createdAt.getTime(),
          updated_at: delivery.createdAt.getTime(),
        })
        .execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async claimDue(options: { now: Date; limit: number; owner: string; leaseUntil: Date }): Promise<WebhookDelivery[]> {
    const now = options.now.getTime();
    const candidates = await this.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('state', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('next_attempt_at')
      .limit(options.limit)
      .execute();
    const claimed: WebhookDelivery[] = [];
    for (const { id } of candidates) {
      const row = await this.db
        .updateTable('webhook_deliveries')
        .set({ lease_owner: options.owner, lease_until: options.leaseUntil.getTime() })
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .returningAll()
        .executeTakeFirst();
      if (row) claimed.push(toDelivery(row));
    }
    return claimed;
  }

  async recordAttempt(
    id: string,
    owner: string,
    outcome: { state: DeliveryState; attempts: number; nextAttemptAt: Date; lastStatus: number | null; lastError: string | null; now: Date },
  ): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set({
        state: outcome.state,
        attempts: outcome.attempts,
        next_attempt_at: outcome.nextAttemptAt.getTime(),
        last_status: outcome.lastStatus,
        last_error: outcome.lastError,
        lease_owner: null,
        lease_until: null,
        updated_at: outcome.now.getTime(),
      })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute();
  }

  async listDeliveries(userId: string, limit: number): Promise<WebhookDelivery[]> {
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toDelivery);
  }
}
