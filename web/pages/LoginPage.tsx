import { useState } from 'react';
import { TextField } from '../components/TextField.js';
import { useFormValidation } from '../hooks/useFormValidation.js';
import { logIn, problemMessage } from '../lib/auth.js';
import { Link, navigate, safeNextPath, useLocation } from '../lib/router.js';
import { useSession } from '../lib/session.js';

export function LoginPage() {
  const session = useSession();
  const { search } = useLocation();
  const [formError, setFormError] = useState<string | null>(null);
  const form = useFormValidation({
    username: { type: 'username', required: true },
    // Only required here: the password policy applies when one is chosen, not when signing in with it.
    password: { required: true, trim: false },
  });
  const query = new URLSearchParams(search);
  const next = safeNextPath(query.get('next'), '/wallets');
  const justRegistered = query.get('registered') === '1';

  const onSubmit = form.handleSubmit(async ({ username, password }) => {
    setFormError(null);
    try {
      session.signedIn(await logIn(username, password));
      navigate(next, { replace: true });
    } catch (error) {
      setFormError(problemMessage(error, form.setServerErrors));
    }
  });

  return (
    <section className="page page-narrow" aria-labelledby="page-title">
      <h1 id="page-title">Sign in</h1>
      <form className="card form" onSubmit={onSubmit} noValidate data-testid="login-form">
        {justRegistered && !formError ? (
          <p className="form-note" role="status">
            Your account is ready: sign in with it.
          </p>
        ) : null}
        {formError ? (
          <p className="form-error" role="alert" data-testid="form-error">
            {formError}
          </p>
        ) : null}
        <TextField
          label="Username"
          field={form.bind('username')}
          error={form.visibleErrors.username}
          autoComplete="username"
          autoCapitalize="off"
          spellCheck={false}
        />
        <TextField
          label="Password"
          type="password"
          field={form.bind('password')}
          error={form.visibleErrors.password}
          autoComplete="current-password"
        />
        <button type="submit" className="button primary" disabled={form.submitting}>
          {form.submitting ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted">
          No account yet? <Link to="/register">Register</Link>
        </p>
      </form>
    </section>
  );
}
