// Proves the OpenAPI document is one an outside linter and a generated client can rely on, for every route of the table: Redocly's
// recommended rules find no error; each role is an OAuth2 scope; a body is required unless the service accepts it absent; errors
// carry the ErrorCode enum; lists the API reads comma-joined are array parameters that stay comma-joined on the wire.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type * as z from 'zod';
import { ERROR_CODES } from '../../functions/http/errors';
import { routes, type RouteSpec } from '../../functions/http/routes';
import { openApiDocument } from '../../scripts/openapi';

const ROOT = path.join(__dirname, '..', '..');

type Parameter = { name: string; in: string; required: boolean; style?: string; explode?: boolean; schema: { type?: string } };
type Operation = {
  description: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean };
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
};
const doc = openApiDocument() as {
  info: { license?: { name: string } };
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { enum?: string[]; properties?: Record<string, { properties?: Record<string, unknown> }> }>; securitySchemes: Record<string, unknown> };
};
const entries = Object.entries(routes) as [string, RouteSpec][];
const operationOf = (r: RouteSpec) => doc.paths[r.path][r.method.toLowerCase()];

describe('docs/openapi.json under Redocly CLI', () => {
  it('has no error under the recommended rules (warnings are reported, not failed)', () => {
    const run = spawnSync(
      process.execPath,
      [path.join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js'), 'lint', 'docs/openapi.json', '--extends', 'recommended', '--format', 'json'],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
    );
    const report = JSON.parse(run.stdout) as {
      totals: { errors: number; warnings: number };
      problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
    };
    const describe = (p: (typeof report.problems)[number]) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`;
    const warnings = report.problems.filter((p) => p.severity === 'warn');
    if (warnings.length) console.info(`Redocly (recommended): 0 errors, ${warnings.length} warning(s):\n${warnings.map(describe).join('\n')}`);
    expect(report.problems.filter((p) => p.severity === 'error').map(describe)).toEqual([]);
    expect(report.totals.errors).toBe(0);
  });
});

describe('the generated document', () => {
  it('names its servers and its licence', () => {
    expect(doc.servers.map((s) => s.url)).toEqual(['http://127.0.0.1:3000', 'https://{apiId}.execute-api.{region}.amazonaws.com']);
    expect(doc.info.license?.name).toBeTruthy();
  });

  it('declares the roles as OAuth2 scopes: client credentials for services, authorization code for operators (back office only)', () => {
    expect(doc.components.securitySchemes.oauth2).toMatchObject({
      type: 'oauth2',
      flows: {
        clientCredentials: {
          tokenUrl: expect.stringMatching(/\/oauth2\/token$/),
          scopes: { 'inventory/storefront': expect.any(String), 'inventory/orders': expect.any(String), 'inventory/backoffice': expect.any(String) },
        },
        authorizationCode: { authorizationUrl: expect.stringMatching(/\/oauth2\/authorize$/), scopes: { 'inventory/backoffice': expect.any(String) } },
      },
    });
    expect(Object.keys((doc.components.securitySchemes.oauth2 as { flows: { authorizationCode: { scopes: object } } }).flows.authorizationCode.scopes)).toEqual([
      'inventory/backoffice',
    ]);
  });

  it.each(entries)('%s: its body is required unless the service accepts it absent (read as {})', (_id, r) => {
    const op = operationOf(r);
    if (!r.body) return expect(op.requestBody).toBeUndefined();
    expect(op.requestBody?.required).toBe(!r.body.safeParse({}).success);
  });

  it('requires the bodies that carry the request (creating, receiving, holding, checking out, adjusting, fulfilling)', () => {
    for (const id of ['putLocation', 'postAdjustment', 'putCartLine', 'checkout', 'postFulfillment', 'createPurchaseOrder', 'receivePurchaseOrder', 'createTransfer'] as const) {
      expect(operationOf(routes[id]).requestBody?.required).toBe(true);
    }
    // The contract says "send no body, or {}" for these; PUT /variants with no field changes nothing.
    for (const id of ['cancelPurchaseOrder', 'completeTransfer', 'cancelTransfer', 'cancelOrder', 'putVariant'] as const) {
      expect(operationOf(routes[id]).requestBody?.required).toBe(false);
    }
  });

  it('types error.code as the ErrorCode enum of every stable code, on every error response', () => {
    expect(doc.components.schemas.ErrorCode.enum).toEqual(ERROR_CODES);
    expect(doc.components.schemas.Error.properties?.error.properties?.code).toEqual({ $ref: '#/components/schemas/ErrorCode' });
    for (const [, r] of entries) {
      for (const [status, response] of Object.entries(operationOf(r).responses)) {
        if (Number(status) >= 400) expect(response.content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
      }
    }
  });

  it.each(entries)('%s: a list in the query is an array parameter sent comma-joined (form, not exploded), as the service parses it', (_id, r) => {
    const shape = (r.query as unknown as { shape?: Record<string, z.ZodType> } | undefined)?.shape ?? {};
    for (const p of (operationOf(r).parameters ?? []).filter((x) => x.in === 'query')) {
      if (p.schema.type !== 'array') {
        expect(p.style).toBeUndefined();
        continue;
      }
      expect(p).toMatchObject({ style: 'form', explode: false });
      expect(shape[p.name].safeParse('a-1,b-2')).toEqual({ success: true, data: ['a-1', 'b-2'] });
    }
  });

  it('documents variantIds and locationIds as arrays', () => {
    const params = operationOf(routes.getAvailability).parameters!;
    expect(params.filter((p) => p.schema.type === 'array').map((p) => p.name)).toEqual(['variantIds', 'locationIds']);
  });

  it.each(entries)('%s: its description says who may call it and what it answers', (_id, r) => {
    const { description } = operationOf(r);
    expect(description).toContain(r.role === 'public' ? 'no token' : `inventory/${r.role}`);
    expect(description).toMatch(/\*\*Errors:\*\* `/);
    if (r.method === 'POST') expect(description).toContain('Idempotency-Key');
  });

  it('has no `nullable` without a `type` anywhere', () => {
    const bad: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (!node || typeof node !== 'object') return;
      const o = node as Record<string, unknown>;
      if (o.nullable === true && !o.type && !o.allOf && !o.oneOf && !o.anyOf && !o.$ref) bad.push(at);
      for (const [k, v] of Object.entries(o)) walk(v, `${at}/${k}`);
    };
    walk(doc, '#');
    expect(bad).toEqual([]);
  });
});
