/** Who is making a request, as the HTTP layer sees it once credentials are checked. */

export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];
export type Role = 'admin' | 'user';

export interface Principal {
  userId: string;
  username: string;
  role: Role;
  /** A session (cookie or login token) carries every scope its role allows; API tokens carry their own. */
  scopes: readonly Scope[];
  via: 'cookie' | 'bearer';
  /** The session row behind a cookie or a login token (logout ends it). */
  sessionId?: string;
  /** The API token behind a bearer credential, when it is a named token. */
  tokenId?: string;
}

/** The port the HTTP auth plugin needs; the accounts service implements it. */
export interface Authenticator {
  /** The value of the session cookie → its principal, or null when unknown/expired/disabled. */
  fromSessionCookie(secret: string): Promise<Principal | null>;
  /** A bearer token (login token or API token) → its principal, or null. */
  fromBearer(token: string): Promise<Principal | null>;
}
