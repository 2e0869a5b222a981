import type { Kysely } from 'kysely';

// One sign-in makes two sessions rows — the cookie and the login token — and logout, password change and
// disable must end both: `login_id` ties them together (null only for rows made before this migration).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('login_id', 'text').execute();
  await db.schema.createIndex('sessions_login_id').on('sessions').column('login_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('sessions_login_id').execute();
  await db.schema.alterTable('sessions').dropColumn('login_id').execute();
}
