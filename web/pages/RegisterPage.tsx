import { useState } from 'react';
import { TextField } from '../components/TextField.js';
import { useFormValidation } from '../hooks/useFormValidation.js';
import { ApiError } from '../lib/api.js';
import { logIn, problemMessage, register } from '../lib/auth.js';
import { trimForValidation } from '../lib/formUtils.js';
import { Link, navigate } from '../lib/router.js';
import { useSession } from '../lib/session.js';

export function RegisterPage() {
  const session = useSession();
  const [formError, setFormError] = useState<string | null>(null);
  const form = useFormValidation<'username' | 'password' | 'confirm'>({
    username: { type: 'username', required: true },
    password: {
      type: 'password',
      required: true,
      trim: false,
      // SPEC Accounts: the password may not equal the username; the validator checks it given the name.
      options: (values) => ({ username: trimForValidation(values.username) }),
    },
    confirm: {
      required: true,
      trim: false,
      check: (confirm, values) =>
        confirm !== values.password ? { code: 'passwords_differ', message: 'The passwords do not match' } : undefined,
    },
  });

  const onSubmit = form.handleSubmit(async ({ username, password }) => {
    setFormError(null);
    try {
      await register(username, password);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && !error.errors.length) {
        form.setServerErrors({ username: error.detail ?? 'That username is taken' });
        return;
      }
      setFormError(problemMessage(error, form.setServerErrors));
      return;
    }
    try {
      session.signedIn(await logIn(username, password));
      navigate('/wallets', { replace: true });
    } catch {
      // The account exists; signing in is one step away.
      navigate('/login?registered=1', { replace: true });
    }
  });

  const strength = form.results.password;
  return (
    <section className="page page-narrow" aria-labelledby="page-title">
      <h1 id="page-title">Register</h1>
      <form className="card form" onSubmit={onSubmit} noValidate data-testid="register-form">
        {formError ? (
          <p className="form-error" role="alert" data-testid="form-error">
            {formError}
          </p>
        ) : null}
        <TextField
          label="Username"
          field={form.bind('username')}
          error={form.visibleErrors.username}
          valid={form.results.username?.valid}
          hint="3–32 characters: lower-case letters, digits, _ . -"
          autoComplete="username"
          autoCapitalize="off"
          spellCheck={false}
        />
        <TextField
          label="Password"
          type="password"
          field={form.bind('password')}
          error={form.visibleErrors.password}
          valid={strength?.valid}
          hint="12–128 characters. A long passphrase beats a clever one; common passwords are refused."
          autoComplete="new-password"
        />
        <TextField
          label="Repeat password"
          type="password"
          field={form.bind('confirm')}
          error={form.visibleErrors.confirm}
          autoComplete="new-password"
        />
        <button type="submit" className="button primary" disabled={form.submitting}>
          {form.submitting ? 'Creating account…' : 'Create account'}
        </button>
        <p className="muted">
          Have an account? <Link to="/login">Sign in</Link>
        </p>
      </form>
    </section>
  );
}
