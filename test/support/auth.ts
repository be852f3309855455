/** Local signing key, tokens and the verifier the handlers use, for tests that call dispatch directly. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTokenVerifier, type TokenVerifier } from '../../functions/http/auth';
import { matchRoute, routes, type Role } from '../../lib/routes';
import { ensureLocalAuth, type LocalAuth } from '../../lib/local/tokens';

export interface TestAuth extends LocalAuth {
  verifier: TokenVerifier;
  /** The Authorization header of the role a route needs (none for public routes). */
  headerFor(method: string, path: string): Record<string, string>;
}

export function testAuth(): TestAuth {
  const auth = ensureLocalAuth(mkdtempSync(path.join(tmpdir(), 'inventory-auth-')));
  return {
    ...auth,
    verifier: createTokenVerifier({ issuer: auth.issuer, audience: auth.audience, jwksFile: auth.jwksFile }),
    headerFor: (method, p): Record<string, string> => {
      const m = matchRoute(method, new URL(p, 'http://x').pathname);
      if (m.kind !== 'found') return {} as Record<string, string>;
      const role = routes[m.operationId].role;
      return role === 'public' ? {} : { authorization: `Bearer ${auth.tokens[role as Role]}` };
    },
  };
}
