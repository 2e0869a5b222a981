import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppError, PROBLEMS, problemBody } from '../../src/errors.js';

describe('error catalogue', () => {
  const doc = readFileSync(new URL('../../docs/problems.md', import.meta.url), 'utf8');

  it.each(Object.keys(PROBLEMS))('documents %s in docs/problems.md', (code) => {
    expect(doc).toContain(`\`${code}\``);
  });

  it('builds an RFC 9457 body with the catalogue status and title', () => {
    const body = problemBody(new AppError('invalid_input', 'name is too long', { errors: [{ field: 'name', code: 'too_long', message: 'x' }] }));
    expect(body).toEqual({
      type: 'urn:satchel:problem:invalid_input',
      title: 'Invalid input',
      status: 400,
      detail: 'name is too long',
      errors: [{ field: 'name', code: 'too_long', message: 'x' }],
    });
  });

  it('keeps the cause for the log', () => {
    const cause = new Error('db down');
    expect(new AppError('dependency_down', 'database', { cause }).cause).toBe(cause);
  });
});
