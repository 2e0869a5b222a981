/**
 * Notes helpers for the web UI (pure, no DOM): API shapes (SPEC: Notes), the import format guessed
 * from a file name, the content type each format is uploaded as, and the URLs of the notes API.
 */
export const NOTE_TYPES = ['tx', 'addr', 'xpub', 'input', 'output', 'pubkey'] as const;
export type NoteType = (typeof NOTE_TYPES)[number];
export type ImportFormat = 'csv' | 'bip329' | 'electrum';
export type ImportMode = 'partial' | 'atomic';

export interface NoteView {
  type: NoteType;
  ref: string;
  note: string;
  origin?: string;
  spendable?: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface NotePage {
  items: NoteView[];
  next?: string;
}

export interface ImportErrorView {
  line: number;
  field?: string;
  code: string;
  message: string;
}

export interface ImportReportView {
  imported: number;
  updated: number;
  unchanged: number;
  failed: number;
  errors: ImportErrorView[];
  errorCount?: number;
  rolledBack?: boolean;
}

export interface JobView {
  id: string;
  state: 'queued' | 'running' | 'completed' | 'failed';
  processed: number;
  total?: number;
  report?: ImportReportView | { errors: ImportErrorView[] };
  error?: string;
}

export const CONTENT_TYPE_OF: Record<ImportFormat, string> = {
  csv: 'text/csv',
  bip329: 'application/jsonl',
  electrum: 'application/json',
};

export function formatOfFile(name: string): ImportFormat {
  const lower = name.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'bip329';
  if (lower.endsWith('.json')) return 'electrum';
  return 'csv';
}

export function noteUrl(type: NoteType, ref: string): string {
  return `/api/notes/${encodeURIComponent(type)}/${encodeURIComponent(ref)}`;
}

export function searchUrl(query: { q?: string; type?: NoteType | ''; cursor?: string; limit?: number }): string {
  const params = new URLSearchParams({ limit: String(query.limit ?? 50) });
  if (query.q) params.set('q', query.q);
  if (query.type) params.set('type', query.type);
  if (query.cursor) params.set('cursor', query.cursor);
  return `/api/notes?${params}`;
}

export function importUrl(format: ImportFormat, mode: ImportMode): string {
  return `/api/notes/import?${new URLSearchParams({ format, mode, async: '1' })}`;
}

/** Share of the job done, 0–1 (unknown total: 0 until completed). */
export function jobProgress(job: Pick<JobView, 'state' | 'processed' | 'total'>): number {
  if (job.state === 'completed') return 1;
  if (!job.total) return 0;
  return Math.min(job.processed / job.total, 1);
}

export function isImportReport(report: JobView['report']): report is ImportReportView {
  return typeof report === 'object' && report !== null && 'imported' in report;
}
