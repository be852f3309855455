/**
 * How an operator signs in to the deployed dashboard: the OAuth 2.0 authorization code flow with PKCE (RFC 7636)
 * against Cognito's managed login, as a public client. The page sends the browser to `<authUrl>/oauth2/authorize` with a
 * SHA-256 challenge of a random verifier; Cognito sends it back with a code, which the page exchanges at
 * `<authUrl>/oauth2/token` with the verifier. The access token is kept in sessionStorage (this tab only, gone when it
 * closes), never in localStorage; no refresh token is kept: when the token expires, signing in again goes through
 * Cognito's session without a password while that lasts.
 */
import type { SignInConfig } from './config';

const TOKEN_KEY = 'inventory-token';
const PENDING_KEY = 'inventory-sign-in';
/** A token this close to its expiry is treated as expired. */
const EXPIRY_MARGIN_MS = 60_000;

interface StoredToken {
  token: string;
  /** ms since the epoch; absent for a pasted token. */
  expiresAt?: number;
}

const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** A random string of the unreserved characters PKCE allows (43 characters from 32 bytes). */
export const randomVerifier = (): string => base64url(crypto.getRandomValues(new Uint8Array(32)));

/** The S256 code challenge of a verifier: base64url(SHA-256(verifier)). */
export async function codeChallenge(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

/** The token this tab holds, if it has not expired. */
export function storedToken(): string | undefined {
  const raw = sessionStorage.getItem(TOKEN_KEY);
  if (!raw) return undefined;
  try {
    const t = JSON.parse(raw) as StoredToken;
    if (t.expiresAt !== undefined && Date.now() > t.expiresAt - EXPIRY_MARGIN_MS) {
      sessionStorage.removeItem(TOKEN_KEY);
      return undefined;
    }
    return t.token;
  } catch {
    return raw; // a token kept by an earlier version of the page, as a bare string
  }
}

export function storeToken(token: string, expiresInSeconds?: number): void {
  const t: StoredToken = { token, ...(expiresInSeconds ? { expiresAt: Date.now() + expiresInSeconds * 1000 } : {}) };
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify(t));
}

export const forgetToken = (): void => sessionStorage.removeItem(TOKEN_KEY);

/** The claims of a JWT, unverified: for showing who is signed in, never for deciding anything (the API verifies). */
export function claimsOf(token: string): Record<string, unknown> {
  try {
    return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** Sends the browser to Cognito's sign-in page. */
export async function beginSignIn(c: SignInConfig): Promise<void> {
  const verifier = randomVerifier();
  const state = randomVerifier();
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, returnTo: window.location.hash }));
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: c.clientId,
    redirect_uri: c.redirectUri,
    scope: c.scope,
    state,
    code_challenge_method: 'S256',
    code_challenge: await codeChallenge(verifier),
  });
  window.location.assign(`${c.authUrl}/oauth2/authorize?${q}`);
}

export type SignInResult = { kind: 'none' } | { kind: 'signed-in' } | { kind: 'failed'; message: string } | { kind: 'restart' };

/**
 * Finishes a sign-in when Cognito has sent the browser back with `?code=&state=`: checks the state, exchanges the code
 * with the verifier, keeps the token and takes the code out of the address bar. A code this tab did not ask for (from
 * the stack's OperatorSignInUrl, say) cannot be exchanged without its verifier: the answer is to sign in again from
 * here, which Cognito's session makes immediate.
 */
export async function completeSignIn(c: SignInConfig): Promise<SignInResult> {
  const url = new URL(window.location.href);
  const code = url.searchParams.get('code');
  const error = url.searchParams.get('error');
  if (!code && !error) return { kind: 'none' };
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as { verifier: string; state: string; returnTo: string } | null;
  sessionStorage.removeItem(PENDING_KEY);
  window.history.replaceState(null, '', `${url.pathname}${pending?.returnTo ?? url.hash}`);
  if (error) return { kind: 'failed', message: `${error}${url.searchParams.get('error_description') ? `: ${url.searchParams.get('error_description')}` : ''}` };
  if (!pending || pending.state !== url.searchParams.get('state')) return { kind: 'restart' };
  const res = await fetch(`${c.authUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: c.clientId, code: code!, redirect_uri: c.redirectUri, code_verifier: pending.verifier }),
  });
  const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string };
  if (!res.ok || !body.access_token) return { kind: 'failed', message: body.error ?? `the token endpoint answered ${res.status}` };
  storeToken(body.access_token, body.expires_in);
  return { kind: 'signed-in' };
}

/** Forgets the token and ends Cognito's session too, coming back to the page. */
export function signOut(c: SignInConfig): void {
  forgetToken();
  window.location.assign(`${c.authUrl}/logout?${new URLSearchParams({ client_id: c.clientId, logout_uri: c.redirectUri })}`);
}
