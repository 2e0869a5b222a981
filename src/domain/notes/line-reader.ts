/**
 * Splits a byte stream into lines without holding more than one line (capped) in memory — for JSONL.
 * Splitting on the LF byte is safe in UTF-8 (no multi-byte sequence contains 0x0A); a trailing CR is
 * dropped, and a BOM at the very start is skipped.
 */
import type { Readable } from 'node:stream';

export interface TextLine {
  /** 1-based physical line number. */
  line: number;
  /** The line's text, or null when it was longer than `maxLineBytes` (its bytes were skipped). */
  text: string | null;
  /** Bytes of the input consumed up to the end of this line. */
  bytes: number;
}

const LF = 0x0a;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export async function* readLines(input: Readable, maxLineBytes: number): AsyncGenerator<TextLine> {
  let parts: Buffer[] = [];
  let partBytes = 0;
  let tooLong = false;
  let line = 0;
  let consumed = 0;
  let first = true;

  const finish = (): TextLine => {
    line++;
    if (tooLong) {
      parts = [];
      partBytes = 0;
      tooLong = false;
      return { line, text: null, bytes: consumed };
    }
    let buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, partBytes);
    parts = [];
    partBytes = 0;
    if (first && buf.subarray(0, 3).equals(BOM)) buf = buf.subarray(3);
    first = false;
    const end = buf.length > 0 && buf[buf.length - 1] === 0x0d ? buf.length - 1 : buf.length;
    return { line, text: buf.toString('utf8', 0, end), bytes: consumed };
  };

  /** `piece` is copied only when it must outlive its chunk (the unfinished tail of a chunk). */
  const keep = (piece: Buffer, copy: boolean): void => {
    if (tooLong || piece.length === 0) return;
    if (partBytes + piece.length > maxLineBytes) {
      tooLong = true;
      parts = [];
      partBytes = 0;
      return;
    }
    parts.push(copy ? Buffer.from(piece) : piece);
    partBytes += piece.length;
  };

  // Not destroyed when the consumer stops early: a request body is drained instead (see finally),
  // since destroying it would also kill the socket the answer must go out on.
  const chunks = input.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer | string>;
  try {
    for await (const chunk of chunks) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      let start = 0;
      for (let at = buf.indexOf(LF, start); at >= 0; at = buf.indexOf(LF, start)) {
        keep(buf.subarray(start, at), false);
        consumed += at + 1 - start;
        start = at + 1;
        yield finish();
      }
      // Copied: a retained subarray would pin the whole chunk in memory.
      keep(buf.subarray(start), true);
      consumed += buf.length - start;
    }
    if (partBytes > 0 || tooLong) yield finish();
  } finally {
    if (!input.readableEnded && !input.destroyed) input.resume();
  }
}
