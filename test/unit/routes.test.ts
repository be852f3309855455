// Proves request routing as API Gateway does it, and that every route is served, documented and has a role.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { OPENAPI_GZIP_BASE64 } from '../../functions/http/openapi-document';
import { operations } from '../../functions/http/operations';
import { openApiDocument } from '../../scripts/openapi';
import { matchRoute, ROLES, routes, type RouteSpec } from '../../functions/http/routes';

describe('matchRoute', () => {
  it('matches literal and parameter segments, decoding parameters', () => {
    expect(matchRoute('PUT', '/carts/c%3A1/lines/sku.9')).toEqual({
      kind: 'found',
      operationId: 'putCartLine',
      routeKey: 'PUT /carts/{cartId}/lines/{variantId}',
      pathParameters: { cartId: 'c:1', variantId: 'sku.9' },
    });
    expect(matchRoute('POST', '/stock/adjustments')).toMatchObject({ operationId: 'postAdjustment' });
    expect(matchRoute('GET', '/stock')).toMatchObject({ operationId: 'getStock' });
  });

  it('tells a wrong method from an unknown path', () => {
    expect(matchRoute('PATCH', '/locations/x')).toEqual({ kind: 'method_not_allowed', allow: ['PUT', 'GET'] });
    expect(matchRoute('GET', '/nothing/here')).toEqual({ kind: 'not_found' });
    expect(matchRoute('GET', '/locations/a/b')).toEqual({ kind: 'not_found' });
  });
});

describe('the route table', () => {
  it('gives every route an operation and a role', () => {
    for (const [id, r] of Object.entries(routes) as [string, RouteSpec][]) {
      expect(typeof operations[id as keyof typeof operations]).toBe('function');
      expect([...ROLES, 'public']).toContain(r.role);
    }
  });

  it('is published as docs/openapi.json, up to date with the code (run `npm run openapi` after a change)', () => {
    const committed = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'docs', 'openapi.json'), 'utf8'));
    const generated = JSON.parse(JSON.stringify(openApiDocument()));
    expect(committed).toEqual(generated);
    expect(JSON.parse(gunzipSync(Buffer.from(OPENAPI_GZIP_BASE64, 'base64')).toString('utf8'))).toEqual(generated);
    const paths = committed.paths as Record<string, Record<string, unknown>>;
    expect(committed.components.securitySchemes.oauth2).toMatchObject({ type: 'oauth2' });
    for (const r of Object.values(routes) as RouteSpec[]) {
      const op = paths[r.path][r.method.toLowerCase()] as { security: unknown };
      expect(op.security).toEqual(r.role === 'public' ? [] : [{ oauth2: [`inventory/${r.role}`] }]);
    }
  });

  it('documents the answers to faults on every route: 429 throttled and 503 service_unavailable, and 409 conflict on writes, all retryable', () => {
    const paths = (openApiDocument() as { paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>> }).paths;
    for (const r of Object.values(routes) as RouteSpec[]) {
      const responses = paths[r.path][r.method.toLowerCase()].responses;
      expect(responses['429']?.description).toContain('throttled (retryable)');
      expect(responses['503']?.description).toContain('service_unavailable (retryable)');
      if (r.method !== 'GET') expect(responses['409']?.description).toContain('conflict (retryable)');
      expect(responses['500']).toBeUndefined();
    }
  });
});
