import type { Kysely } from 'kysely';

// Keyset pages of one note type (GET /api/notes?type=addr, issue 10): without it a page of a rare type
// walks the owner's (user_id, created_at, id) index past every note of the other types — ~15–50 ms at
// 1,000,000 notes, and a type with no note at all reads them all.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('notes_user_type_created').on('notes').columns(['user_id', 'type', 'created_at', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('notes_user_type_created').execute();
}
