/** What the notes API shows: the label as `note` (SPEC body `{note}`), BIP-329 extras when set. */
import type { Note, NoteImportReport } from '../../../domain/notes/types.js';

export function noteView(note: Note) {
  return {
    type: note.type,
    ref: note.ref,
    note: note.label,
    ...(note.origin === null ? {} : { origin: note.origin }),
    ...(note.spendable === null ? {} : { spendable: note.spendable }),
    createdAt: new Date(note.createdAt).toISOString(),
    updatedAt: new Date(note.updatedAt).toISOString(),
  };
}

/** SPEC: `{imported, updated, unchanged, failed, errors:[{line, field?, code, message}]}` (first 1,000). */
export function importReportView(report: NoteImportReport) {
  return {
    imported: report.imported,
    updated: report.updated,
    unchanged: report.unchanged,
    failed: report.failed,
    errors: report.errors.map((e) => ({ line: e.line, ...(e.field === undefined ? {} : { field: e.field }), code: e.code, message: e.message })),
    errorCount: report.errorCount,
    rolledBack: report.rolledBack,
    ...(report.importId === undefined ? {} : { importId: report.importId }),
  };
}
