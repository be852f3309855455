/**
 * Local tokens: an RSA signing key kept under LOCAL_STATE_DIR, its public JWKS (what the handlers verify
 * against, as they verify Cognito's in AWS), and a ready-to-use token per role, written to tokens.json.
 * Tokens are signed JWTs like any other; nothing in the handlers knows they are local.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as signWith, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { matchRoute, ROLES, routes, type Role } from '../../functions/http/routes';

export const LOCAL_ISSUER = 'https://inventory.local/auth';
export const LOCAL_AUDIENCE = 'inventory';
const KID = 'inventory-local-1';

export interface LocalAuth {
  issuer: string;
  audience: string;
  jwksFile: string;
  tokens: Record<Role, string>;
  /** Signs any claims with the local key (tests use it for expired or odd tokens). */
  sign(claims: Record<string, unknown>, key?: KeyObject): string;
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

export function signJwt(claims: Record<string, unknown>, key: KeyObject, kid = KID): string {
  const head = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64(claims)}`;
  return `${head}.${signWith('RSA-SHA256', Buffer.from(head), key).toString('base64url')}`;
}

/** Creates (once) the key under `stateDir`, and tokens for every role valid for `days`. */
export function ensureLocalAuth(stateDir: string, days = 30): LocalAuth {
  mkdirSync(stateDir, { recursive: true });
  const keyFile = path.join(stateDir, 'signing-key.pem');
  if (!existsSync(keyFile)) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  const key = createPrivateKey(readFileSync(keyFile));
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  const jwksFile = path.join(stateDir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...jwk, kid: KID, alg: 'RS256', use: 'sig' }] }, null, 2));
  const now = Math.floor(Date.now() / 1000);
  const sign = (claims: Record<string, unknown>, k: KeyObject = key) => signJwt(claims, k);
  const tokens = Object.fromEntries(
    ROLES.map((role) => [
      role,
      sign({ iss: LOCAL_ISSUER, aud: LOCAL_AUDIENCE, sub: `local-${role}`, scope: `inventory/${role}`, iat: now, exp: now + days * 86_400 }),
    ]),
  ) as Record<Role, string>;
  writeFileSync(path.join(stateDir, 'tokens.json'), `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  return { issuer: LOCAL_ISSUER, audience: LOCAL_AUDIENCE, jwksFile, tokens, sign };
}

/**
 * The Authorization header a client calling `method path` would send: the token of the role the route
 * needs (none for public and unknown routes). For the local assembly's clients: tests and the benchmark.
 */
export function authorizationFor(tokens: Record<Role, string>, method: string, urlPath: string): Record<string, string> {
  const m = matchRoute(method, new URL(urlPath, 'http://local').pathname);
  const role = m.kind === 'found' ? routes[m.operationId].role : 'public';
  return role === 'public' ? {} : { authorization: `Bearer ${tokens[role]}` };
}
