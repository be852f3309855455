/**
 * Who may call what. Every route names one role (functions/http/routes.ts); a caller's roles are the scopes of its
 * JWT (`inventory/<role>`). In AWS, API Gateway's JWT authorizer verifies the token and passes its claims;
 * the handler checks the scope again from those claims (defence in depth: a gateway without the
 * authorizer still cannot let a storefront token adjust stock, because then there are no claims and
 * the handler verifies the bearer token itself, with the same code the local server runs).
 */
import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { JwtVerifier } from 'aws-jwt-verify';
import type { Access, Role } from './routes';
import { ROLES, scopeOf } from './routes';
import { HttpError } from './errors';


export type Claims = Record<string, unknown>;

/** Verifies a bearer token's signature, expiry, issuer and audience; throws if it fails. */
export interface TokenVerifier {
  verify(token: string): Promise<Claims>;
}

export interface AuthConfig {
  issuer: string;
  /** null: not checked (Cognito access tokens carry client_id, not aud). */
  audience: string | null;
  /** Where the signing keys are published (AWS: Cognito's JWKS URL). */
  jwksUri?: string;
  /** A JWKS on disk (the local assembly's key). */
  jwksFile?: string;
}

export function authConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const issuer = env.JWT_ISSUER;
  if (!issuer) throw new Error('Environment variable JWT_ISSUER is required');
  if (!env.JWT_JWKS_URI && !env.JWT_JWKS_FILE) throw new Error('JWT_JWKS_URI or JWT_JWKS_FILE is required');
  return { issuer, audience: env.JWT_AUDIENCE || null, jwksUri: env.JWT_JWKS_URI || undefined, jwksFile: env.JWT_JWKS_FILE || undefined };
}

/** How many verified tokens a process remembers, and for how long at most (a rotated-out signing key is honoured no longer). */
export const VERIFIED_TOKEN_CACHE = { size: 1000, seconds: 300 };

export function createTokenVerifier(config: AuthConfig): TokenVerifier {
  const verifier = JwtVerifier.create({
    issuer: config.issuer,
    audience: config.audience,
    jwksUri: config.jwksUri ?? `file://${config.jwksFile}`,
  });
  if (config.jwksFile) verifier.cacheJwks(JSON.parse(readFileSync(config.jwksFile, 'utf8')));
  // A token's signature, issuer and audience are facts of the token: verified once, they hold until it expires. Callers send
  // the same token on every request, so its claims are remembered (bounded in number and time) and only the expiry is checked
  // again. The signature check is most of the handler's own CPU on a read; failures are never remembered.
  const verified = new Map<string, { claims: Claims; until: number }>();
  return {
    verify: async (token) => {
      const hit = verified.get(token);
      if (hit && Date.now() < hit.until) return hit.claims;
      if (hit) verified.delete(token);
      const claims = (await verifier.verify(token)) as unknown as Claims;
      const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : Date.now();
      if (verified.size >= VERIFIED_TOKEN_CACHE.size) verified.delete(verified.keys().next().value as string);
      verified.set(token, { claims, until: Math.min(exp, Date.now() + VERIFIED_TOKEN_CACHE.seconds * 1000) });
      return claims;
    },
  };
}

/** The roles a token's scopes grant. */
export const rolesOf = (claims: Claims): Role[] => {
  const raw = claims.scope ?? claims.scp;
  const scopes = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.replace(/^\[|\]$/g, '').split(/[\s,]+/) : [];
  return ROLES.filter((r) => scopes.includes(scopeOf(r)));
};

const unauthorized = (why: string) => new HttpError('unauthorized', `A valid bearer token is required: ${why}.`);

/** Checks the caller against the route's role: 401 without a valid token, 403 with the wrong role. */
export async function authorize(access: Access, event: APIGatewayProxyEventV2, verifier: TokenVerifier): Promise<Role | null> {
  if (access === 'public') return null;
  const fromGateway = (event.requestContext as { authorizer?: { jwt?: { claims?: Claims } } }).authorizer?.jwt?.claims;
  let claims = fromGateway;
  if (!claims) {
    const header = event.headers?.authorization ?? event.headers?.Authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw unauthorized('none was sent');
    try {
      claims = await verifier.verify(match[1]);
    } catch (err) {
      throw unauthorized((err as Error).name === 'JwtExpiredError' ? 'it has expired' : 'it could not be verified');
    }
  }
  const roles = rolesOf(claims);
  if (!roles.includes(access)) {
    throw new HttpError('forbidden', `This route needs the ${access} role; the token grants ${roles.length ? roles.join(', ') : 'none'}.`, {
      requiredRole: access,
    });
  }
  return access;
}
