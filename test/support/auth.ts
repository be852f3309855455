/** Local signing key, tokens and the verifier the handlers use, for tests that call dispatch directly. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTokenVerifier, type TokenVerifier } from '../../functions/http/auth';
import { authorizationFor, ensureLocalAuth, type LocalAuth } from '../../lib/local/tokens';

export interface TestAuth extends LocalAuth {
  verifier: TokenVerifier;
  /** The Authorization header of the role a route needs (none for public routes). */
  headerFor(method: string, path: string): Record<string, string>;
}

/** A new verifier (with nothing remembered yet) for the local key's tokens. */
export const verifierFor = (auth: LocalAuth): TokenVerifier =>
  createTokenVerifier({ issuer: auth.issuer, audience: auth.audience, jwksFile: auth.jwksFile });

export function testAuth(): TestAuth {
  const auth = ensureLocalAuth(mkdtempSync(path.join(tmpdir(), 'inventory-auth-')));
  return {
    ...auth,
    verifier: verifierFor(auth),
    headerFor: (method, p) => authorizationFor(auth.tokens, method, p),
  };
}
