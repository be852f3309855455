/**
 * What every section of the benchmark runs against: the local assembly in this process (HTTP server,
 * handlers, stream poller, DynamoDB Local in memory), seeded with two warehouses and 100 variants; the
 * service's HTTP handler called in process (`api`, its SDK client metered) and over HTTP (`httpCall`,
 * through a lean keep-alive client); and an unmetered SDK client for the floor.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Deps } from '../functions/core/deps';
import { systemClock } from '../functions/core/ports';
import { DynamoInventoryStore } from '../functions/dynamodb/store';
import { createTokenVerifier } from '../functions/http/auth';
import { createHttpHandler } from '../functions/http/handler';
import { startLocal } from '../lib/local/assembly';
import { freePort, LOCAL_AWS_ENV } from '../lib/local/dynamodb-local';
import { gatewayEvent, lambdaContext } from '../lib/local/http-server';
import { authorizationFor, ensureLocalAuth } from '../lib/local/tokens';
import { LeanHttpClient } from './lean-client';
import { Meter, meteredClients } from './meter';

// Answers are any: a benchmark reads the fields it needs from each.
type Call = (method: string, p: string, body?: unknown, headers?: Record<string, string>) => Promise<any>;

export interface Bench {
  local: Awaited<ReturnType<typeof startLocal>>;
  meter: Meter;
  /** An SDK document client that is not metered: the floor's, and the capacity model's reads. */
  floorClient: DynamoDBDocumentClient;
  /** The HTTP handler called in process (createHttpHandler, as Lambda calls it), on the metered client; parses the body. */
  api: Call;
  /** Over HTTP to the local server; returns the body's text. */
  httpCall: (method: string, p: string, body?: unknown) => Promise<string>;
  /** The Authorization header of the role a route needs, as a client would send it. */
  authHeader: (method: string, p: string) => Record<string, string>;
  cart: () => string;
  skus: string[];
  N: { cost: number; c1: number; c16: number; shoppers: number; units: number };
  log: (s: string) => void;
  close: () => Promise<void>;
}

export async function startBench(quick: boolean): Promise<Bench> {
  const log = (s: string) => console.log(s);
  Object.assign(process.env, LOCAL_AWS_ENV, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  // The HTTP client and the floor's SDK client run on the same event loop as the service, so both pay the same client-side costs.
  const stateDir = mkdtempSync(path.join(tmpdir(), 'inventory-bench-'));
  // The functions log warnings and errors only: printing every line the stream processor writes would take the cores.
  const local = await startLocal({
    port: await freePort(),
    stateDir,
    inMemory: true,
    sweepIntervalSeconds: 3600,
    holdSeconds: 1800,
    ttlIntervalSeconds: 3600,
    logging: { level: 'WARN', format: 'text' },
  });
  const meter = new Meter();
  const { raw: meteredRaw, doc } = meteredClients(local.dynamodbEndpoint, meter);
  const floorRaw = new DynamoDBClient({ endpoint: local.dynamodbEndpoint, region: 'us-east-1' });
  const floorClient = DynamoDBDocumentClient.from(floorRaw, { marshallOptions: { removeUndefinedValues: true } });
  const deps: Deps = { store: new DynamoInventoryStore(doc, local.tableName), clock: systemClock, holdSeconds: 1800 };
  // The local assembly's issuer and keys (kept in the state directory), as its own HTTP handler verifies them.
  const auth = ensureLocalAuth(stateDir);
  const handler = createHttpHandler(deps, createTokenVerifier({ issuer: auth.issuer, audience: auth.audience, jwksFile: auth.jwksFile }));
  const authHeader = (method: string, p: string) => authorizationFor(local.tokens, method, p);
  const api: Call = async (method, p, body, headers = {}) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const event = gatewayEvent({ method, url: p, headers: { ...authHeader(method, p), ...headers }, body: payload });
    const r = await handler(event, lambdaContext(event.requestContext.requestId));
    if ((r.statusCode ?? 200) >= 300) throw new Error(`${method} ${p} → ${r.statusCode} ${r.body}`);
    return JSON.parse(r.body ?? 'null');
  };
  // A lean keep-alive client (bench/lean-client.ts): the client shares the event loop and the cores with the service, so its
  // own work would otherwise count against the service.
  const { hostname, port } = new URL(local.url);
  const service = new LeanHttpClient(hostname, Number(port));
  const httpCall = async (method: string, p: string, body?: unknown) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = { ...authHeader(method, p), ...(payload ? { 'content-type': 'application/json' } : {}) };
    const { status, text } = await service.request(method, p, headers, payload);
    if (status >= 300) throw new Error(`${method} ${p} → ${status} ${text}`);
    return text;
  };

  log('seeding…');
  await api('PUT', '/locations/wh-1', { name: 'Warehouse 1', type: 'warehouse' });
  await api('PUT', '/locations/wh-2', { name: 'Warehouse 2', type: 'warehouse' });
  const skus = Array.from({ length: 100 }, (_, i) => `bench-${i}`);
  await Promise.all(
    skus.map(async (sku) => {
      await api('POST', '/stock/adjustments', { variantId: sku, locationId: 'wh-1', onHand: 1_000_000, reason: 'bench' });
      await api('POST', '/stock/adjustments', { variantId: sku, locationId: 'wh-2', onHand: 1_000, reason: 'bench' });
    }),
  );
  return {
    local,
    meter,
    floorClient,
    api,
    httpCall,
    authHeader,
    cart: () => `c-${randomUUID()}`,
    skus,
    N: { cost: quick ? 5 : 20, c1: quick ? 50 : 600, c16: quick ? 160 : 2400, shoppers: 500, units: 100 },
    log,
    close: async () => {
      service.close();
      floorRaw.destroy();
      meteredRaw.destroy();
      await local.stop();
    },
  };
}
