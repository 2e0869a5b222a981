import type { Kysely } from 'kysely';

// Where a running import stood at its last commit (JSON: batches settled, counts, errors so far, its
// note-history act), so a run cut short resumes after it instead of from the start (issue 5).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('checkpoint', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('jobs').dropColumn('checkpoint').execute();
}
