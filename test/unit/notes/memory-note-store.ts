/**
 * An in-memory NoteStore with the adapter's semantics (in-order upserts, per-row outcomes, owner
 * scoping, transactions that roll back on throw) for the domain's unit tests.
 */
import {
  applyDraft,
  sameValues,
  type Note,
  type NoteDraft,
  type NoteListQuery,
  type NotePage,
  type NoteSearchQuery,
  type NoteStore,
  type NoteType,
  type UpsertOutcome,
} from '../../../src/domain/notes/types.js';

export class MemoryNoteStore implements NoteStore {
  notes = new Map<string, Note & { userId: string }>();
  upsertCalls = 0;
  private nextId = 1;

  private key(userId: string, type: string, ref: string): string {
    return `${userId}\u0000${type}\u0000${ref}`;
  }

  async upsert(userId: string, rows: readonly NoteDraft[]): Promise<UpsertOutcome[]> {
    this.upsertCalls++;
    const now = Date.now();
    return rows.map((row) => {
      const key = this.key(userId, row.type, row.ref);
      const before = this.notes.get(key);
      const after = applyDraft(before, row);
      if (!before) {
        this.notes.set(key, { type: row.type, ref: row.ref, ...after, userId, id: this.nextId++, createdAt: now, updatedAt: now });
        return 'inserted';
      }
      if (sameValues(before, after)) return 'unchanged';
      this.notes.set(key, { ...before, ...after, updatedAt: now });
      return 'updated';
    });
  }

  async get(userId: string, type: NoteType, ref: string): Promise<Note | null> {
    const found = this.notes.get(this.key(userId, type, ref));
    if (!found) return null;
    const { userId: _owner, ...note } = found;
    return note;
  }

  async delete(userId: string, type: NoteType, ref: string): Promise<boolean> {
    return this.notes.delete(this.key(userId, type, ref));
  }

  private owned(userId: string, type?: NoteType): Note[] {
    return [...this.notes.values()]
      .filter((n) => n.userId === userId && (type === undefined || n.type === type))
      .map(({ userId: _owner, ...note }) => note);
  }

  async list(userId: string, query: NoteListQuery): Promise<NotePage> {
    const items = this.owned(userId, query.type).sort((a, b) => b.id - a.id);
    const start = query.cursor === undefined ? 0 : items.findIndex((n) => n.id < Number(query.cursor));
    const page = items.slice(Math.max(start, 0), Math.max(start, 0) + query.limit);
    const more = Math.max(start, 0) + query.limit < items.length;
    return more ? { items: page, next: String(page[page.length - 1]!.id) } : { items: page };
  }

  async search(userId: string, query: NoteSearchQuery): Promise<NotePage> {
    const q = query.q.toLowerCase();
    return { items: this.owned(userId, query.type).filter((n) => n.label.toLowerCase().includes(q)).slice(0, query.limit) };
  }

  async *streamAll(userId: string, options: { type?: NoteType } = {}): AsyncIterable<Note> {
    for (const note of this.owned(userId, options.type).sort((a, b) => a.id - b.id)) yield note;
  }

  async transaction<T>(fn: (store: NoteStore) => Promise<T>): Promise<T> {
    const snapshot = new Map(this.notes);
    try {
      return await fn(this);
    } catch (error) {
      this.notes = snapshot;
      throw error;
    }
  }

  all(userId: string): Note[] {
    return this.owned(userId).sort((a, b) => a.id - b.id);
  }
}
