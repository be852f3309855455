// Proves access control for every route of the route table and every role: the route's role passes, other roles get 403, and a
// missing, expired, wrongly signed or wrong-audience token gets 401. A new route cannot escape it.
import { generateKeyPairSync } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Deps } from '../../functions/core/deps';
import { ROLES, routes, type RouteSpec } from '../../functions/http/routes';
import { testAuth, verifierFor } from '../support/auth';
import { invokeHttp } from '../support/http';

const auth = testAuth();
// The store answers nothing: what is tested is the gate in front of it.
const store = new Proxy({}, { get: () => () => Promise.reject(new Error('store unavailable in this test')) });
const deps = { store, clock: { now: () => new Date() }, holdSeconds: 1800 } as unknown as Deps;

const pathOf = (r: RouteSpec) => r.path.replace(/\{(\w+)\}/g, 'x1');
const call = async (r: RouteSpec, headers: Record<string, string>, requestContext: Record<string, unknown> = {}) => {
  const e = {
    version: '2.0',
    routeKey: `${r.method} ${r.path}`,
    rawPath: pathOf(r),
    rawQueryString: '',
    headers,
    pathParameters: Object.fromEntries([...r.path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1], 'x1'])),
    requestContext: { http: { method: r.method, path: pathOf(r) }, ...requestContext },
    body: '{}',
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
  return (await invokeHttp(deps, auth.verifier, e)).statusCode;
};
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const now = () => Math.floor(Date.now() / 1000);

const entries = Object.entries(routes) as [string, RouteSpec][];

describe.each(entries)('%s', (_id, route) => {
  if (route.role === 'public') {
    it('is public', async () => {
      expect([401, 403]).not.toContain(await call(route, {}));
    });
    return;
  }
  it.each([...ROLES])('as %s', async (role) => {
    const status = await call(route, bearer(auth.tokens[role]));
    if (role === route.role) expect([401, 403]).not.toContain(status);
    else expect(status).toBe(403);
  });
  it('refuses a missing, expired, wrongly signed or wrong-audience token with 401', async () => {
    const claims = { iss: auth.issuer, aud: auth.audience, sub: 't', scope: `inventory/${route.role}`, iat: now() };
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(await call(route, {})).toBe(401);
    expect(await call(route, { authorization: 'Basic abc' })).toBe(401);
    expect(await call(route, bearer(auth.sign({ ...claims, exp: now() - 60 })))).toBe(401);
    expect(await call(route, bearer(auth.sign({ ...claims, exp: now() + 60 }, otherKey)))).toBe(401);
    expect(await call(route, bearer(auth.sign({ ...claims, aud: 'someone-else', exp: now() + 60 })))).toBe(401);
    expect(await call(route, bearer('not.a.jwt'))).toBe(401);
  });
  it('checks the scope again when the gateway passes verified claims', async () => {
    const other = ROLES.find((r) => r !== route.role)!;
    expect(await call(route, {}, { authorizer: { jwt: { claims: { scope: `inventory/${other}` } } } })).toBe(403);
    expect([401, 403]).not.toContain(await call(route, {}, { authorizer: { jwt: { claims: { scope: `inventory/${route.role}` } } } }));
  });
});

it('every route declares a role (the type requires it; this guards the data)', () => {
  for (const [, r] of entries) expect(['public', ...ROLES]).toContain(r.role);
  expect(entries.filter(([, r]) => r.role === 'public').map(([id]) => id).sort()).toEqual(['health', 'openapi']);
});

describe('remembered verifications', () => {
  const claims = (exp: number) => ({ iss: auth.issuer, aud: auth.audience, sub: 't', scope: 'inventory/backoffice', iat: now(), exp });
  /** A fresh verifier, a count of the signature checks underneath it, and a clock the test moves. */
  const onAClock = async () => {
    const { JwtVerifier } = await import('aws-jwt-verify');
    const checks = jest.spyOn(Object.getPrototypeOf(JwtVerifier.prototype) as { verify: () => Promise<unknown> }, 'verify');
    const verifier = verifierFor(auth);
    jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    return { checks, verifier };
  };
  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  it('checks a token’s signature once, and its expiry on every use', async () => {
    const { checks, verifier } = await onAClock();
    const token = auth.sign(claims(now() + 120));
    await verifier.verify(token);
    await verifier.verify(token);
    expect(checks).toHaveBeenCalledTimes(1);
    jest.setSystemTime(Date.now() + 121_000);
    await expect(verifier.verify(token)).rejects.toThrow(/expired/i);
    expect(checks).toHaveBeenCalledTimes(2);
  });

  it('checks the signature again after five minutes, so a signing key taken out of the JWKS stops working', async () => {
    const { checks, verifier } = await onAClock();
    const token = auth.sign(claims(now() + 3600));
    await verifier.verify(token);
    jest.setSystemTime(Date.now() + 301_000);
    await verifier.verify(token);
    expect(checks).toHaveBeenCalledTimes(2);
  });

  it('never remembers a refusal, nor lets a tampered copy of a remembered token through', async () => {
    const verifier = verifierFor(auth);
    const token = auth.sign(claims(now() + 600));
    await verifier.verify(token);
    const [h, p, sig] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims(now() + 600), scope: 'inventory/backoffice inventory/orders' })).toString('base64url');
    await expect(verifier.verify(`${h}.${forged}.${sig}`)).rejects.toThrow();
    await expect(verifier.verify(`${h}.${forged}.${sig}`)).rejects.toThrow();
    expect(p).not.toBe(forged);
  });
});
