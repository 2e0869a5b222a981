/**
 * Every migration, by name, in the order they run (Kysely sorts by name; names are date-prefixed).
 * Listed statically, not read from the folder, so they work the same from sources, tsx and dist/.
 * Add a new file and a line here; never edit an applied one.
 */
import type { SatchelMigration } from './migration.js';
import * as users from './2026-11-28-01-users.js';
import * as sessions from './2026-11-28-02-sessions.js';
import * as apiTokens from './2026-11-28-03-api-tokens.js';
import * as auditEvents from './2026-11-28-04-audit-events.js';
import * as loginFailures from './2026-11-28-05-login-failures.js';
import * as idempotencyKeys from './2026-11-28-06-idempotency-keys.js';
import * as settings from './2026-11-28-07-settings.js';
import * as sessionsLoginId from './2026-11-28-20-sessions-login-id.js';
import * as notes from './2026-11-28-30-notes.js';
import * as notesLabelSearch from './2026-11-28-31-notes-label-search.js';
import * as wallets from './2026-11-28-40-wallets.js';
import * as walletTransactions from './2026-11-28-41-wallet-transactions.js';
import * as lightningInvoices from './2026-11-28-50-lightning-invoices.js';
import * as lightningPreimages from './2026-11-28-51-lightning-preimages.js';
import * as jobs from './2026-11-28-60-jobs.js';
import * as jobQueue from './2026-11-28-80-job-queue.js';
import * as noteHistory from './2026-11-28-70-note-history.js';
import * as notesTypePaging from './2026-11-28-90-notes-type-paging.js';
import * as lightningWebhooks from './2026-11-29-01-lightning-webhooks.js';
import * as jobCheckpoint from './2026-11-29-30-job-checkpoint.js';

export const MIGRATIONS: Readonly<Record<string, SatchelMigration>> = {
  '2026-11-28-01-users': users,
  '2026-11-28-02-sessions': sessions,
  '2026-11-28-03-api-tokens': apiTokens,
  '2026-11-28-04-audit-events': auditEvents,
  '2026-11-28-05-login-failures': loginFailures,
  '2026-11-28-06-idempotency-keys': idempotencyKeys,
  '2026-11-28-07-settings': settings,
  '2026-11-28-20-sessions-login-id': sessionsLoginId,
  '2026-11-28-30-notes': notes,
  '2026-11-28-31-notes-label-search': notesLabelSearch,
  '2026-11-28-40-wallets': wallets,
  '2026-11-28-41-wallet-transactions': walletTransactions,
  '2026-11-28-50-lightning-invoices': lightningInvoices,
  '2026-11-28-51-lightning-preimages': lightningPreimages,
  '2026-11-28-60-jobs': jobs,
  '2026-11-28-80-job-queue': jobQueue,
  '2026-11-28-70-note-history': noteHistory,
  '2026-11-28-90-notes-type-paging': notesTypePaging,
  '2026-11-29-01-lightning-webhooks': lightningWebhooks,
  '2026-11-29-30-job-checkpoint': jobCheckpoint,
};
