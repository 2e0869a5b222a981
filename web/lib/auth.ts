/** Calls of the accounts API the sign-in and register pages share (SPEC Accounts). */
import { api, ApiError } from './api.js';
import { fieldErrorsFromProblem } from './formUtils.js';
import type { SessionUser } from './session.js';

export interface LoginResponse {
  user: SessionUser;
  /** A bearer token for scripts; the browser relies on the HttpOnly session cookie and drops it. */
  token?: string;
  expiresAt?: string;
}

export async function logIn(username: string, password: string): Promise<SessionUser> {
  const body = await api.post<LoginResponse>('/api/auth/login', { username, password });
  return body.user;
}

export async function register(username: string, password: string): Promise<SessionUser> {
  const body = await api.post<{ user: SessionUser }>('/api/auth/register', { username, password });
  return body.user;
}

/**
 * A failed call → the message to show above the form; problem+json `errors` that name a field are
 * handed to `setFieldErrors` to show under that field.
 */
export function problemMessage(error: unknown, setFieldErrors: (errors: Record<string, string>) => void): string {
  if (!(error instanceof ApiError)) return 'Something went wrong. Please try again.';
  const { fields, other } = fieldErrorsFromProblem(error.errors);
  setFieldErrors(fields);
  if (error.status === 429) {
    const wait = error.retryAfterSeconds;
    return `Too many attempts. ${wait ? `Try again in ${wait} s.` : 'Try again a little later.'}`;
  }
  return [error.userMessage, ...other].join(' ');
}
