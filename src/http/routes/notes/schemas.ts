/**
 * Request schemas of /api/notes/* (SPEC: Notes). Ajv coerces nothing: `{note: 5}` is a 400 naming
 * `note`. The ref itself is judged by the note service (txid, address, xpub, outpoint, pubkey), which
 * names the field and gives the validator's code.
 */
import { NOTE_TYPES } from '../../../domain/notes/types.js';
import { NOTE_EXPORT_FORMATS, NOTE_IMPORT_FORMATS } from '../../../domain/notes/note-service.js';
import { pageQueryProperties } from '../../paging.js';

export const noteParams = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'ref'],
  properties: {
    type: { type: 'string', enum: [...NOTE_TYPES] },
    // Longest legitimate ref: a descriptor-less xpub (111) or `txid:vout` (75); addresses up to 90.
    ref: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

export const noteBody = {
  type: 'object',
  additionalProperties: false,
  required: ['note'],
  properties: {
    note: { type: 'string' },
    origin: { type: 'string' },
    spendable: { type: 'boolean' },
  },
} as const;

export const noteListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQueryProperties,
    type: { type: 'string', enum: [...NOTE_TYPES] },
    q: { type: 'string' },
  },
} as const;

/** CSV columns chosen by the user: a header cell or a 0-based index (`typeColumn=none`: no type column). */
const csvColumnProperties = {
  refColumn: { type: 'string', minLength: 1, maxLength: 200 },
  noteColumn: { type: 'string', minLength: 1, maxLength: 200 },
  typeColumn: { type: 'string', minLength: 1, maxLength: 200 },
} as const;

export const noteImportQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    format: { type: 'string', enum: [...NOTE_IMPORT_FORMATS] },
    mode: { type: 'string', enum: ['partial', 'atomic'] },
    async: { type: 'string', enum: ['0', '1', 'true', 'false'] },
    ...csvColumnProperties,
  },
} as const;

export const noteImportPreviewQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    format: { type: 'string', enum: [...NOTE_IMPORT_FORMATS] },
    truncated: { type: 'string', enum: ['0', '1', 'true', 'false'] },
    ...csvColumnProperties,
  },
} as const;

export const noteExportQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    format: { type: 'string', enum: [...NOTE_EXPORT_FORMATS] },
    type: { type: 'string', enum: [...NOTE_TYPES] },
  },
} as const;

export const jobParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;
