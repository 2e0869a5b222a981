import { describe, expect, it, vi } from 'vitest';
import type { ValidationResult, ValidationType } from '../../../src/validation/types.js';

// Stand-in rules so the test states the hook's behaviour, not the library's.
vi.mock('../../../src/validation/index.js', () => ({
  validate: (type: ValidationType, value: unknown): ValidationResult => {
    if (type === 'username') {
      return typeof value === 'string' && /^[a-z0-9_.-]{3,32}$/.test(value)
        ? { valid: true, normalized: value }
        : { valid: false, errors: [{ code: 'invalid_username', message: 'Use 3–32 characters: a–z 0–9 _ . -' }] };
    }
    return { valid: typeof value === 'string' && value.length >= 12 };
  },
}));

const { evaluateForm, submittedValue } = await import('../../../web/hooks/useFormValidation.js');

describe('evaluateForm', () => {
  const rules = {
    username: { type: 'username' as const, required: true },
    password: { type: 'password' as const, required: true, trim: false },
    note: { type: 'txid' as const },
  };

  it('reports a missing required field with code "required" and leaves an empty optional one alone', () => {
    const form = evaluateForm(rules, { username: '', password: 'long enough pass', note: '  ' });
    expect(form.errors.username).toBe('This field is required');
    expect(form.results.username?.errors?.[0]?.code).toBe('required');
    expect(form.results.note).toBeUndefined();
    expect(form.errors.note).toBeUndefined();
    expect(form.isValid).toBe(false);
  });

  it('trims before validating unless a field says not to', () => {
    const form = evaluateForm(rules, { username: '  alice ', password: 'short', note: '' });
    expect(form.results.username?.valid).toBe(true);
    expect(form.errors.password).toBe('Invalid value');
    expect(submittedValue(rules.password, ' secret ')).toBe(' secret ');
    expect(submittedValue(rules.username, ' alice ')).toBe('alice');
  });

  it('gives the first validator message per field and is valid when every field is', () => {
    expect(evaluateForm(rules, { username: 'A!', password: 'long enough pass', note: '' }).errors.username).toBe(
      'Use 3–32 characters: a–z 0–9 _ . -',
    );
    expect(evaluateForm(rules, { username: 'alice', password: 'long enough pass', note: '' }).isValid).toBe(true);
  });

  it('runs a cross-field check only once the validator passes', () => {
    const withConfirm = {
      password: { type: 'password' as const, required: true, trim: false },
      confirm: {
        required: true,
        trim: false,
        check: (value: string, values: Readonly<Record<'password' | 'confirm', string>>) =>
          value === values.password ? undefined : { code: 'passwords_differ', message: 'The passwords do not match' },
      },
    };
    const differ = evaluateForm(withConfirm, { password: 'long enough pass', confirm: 'long enough pas' });
    expect(differ.errors.confirm).toBe('The passwords do not match');
    expect(differ.results.confirm?.errors?.[0]?.code).toBe('passwords_differ');
    expect(evaluateForm(withConfirm, { password: 'long enough pass', confirm: 'long enough pass' }).isValid).toBe(true);
  });
});
