// Proves `npm start` end to end over HTTP: the API, the sweeper and the TTL stream path releasing a lapsed hold, the EventBridge stand-in, persistence across restarts, clean shutdown.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { api, clientFor, eventually, http, javaProcessesFor, must, startLocalService, type LocalService } from '../support/local-service';

jest.setTimeout(120_000);

async function seed(s: LocalService, sku: string) {
  expect((await api(s, `/locations/wh-1`, 'PUT', { name: 'Warehouse', type: 'warehouse' })).status).toBe(200);
  const adj = await api(s, `/stock/adjustments`, 'POST', { variantId: sku, locationId: 'wh-1', onHand: 5, reason: 'opening stock' });
  expect(adj).toMatchObject({ status: 200, body: { onHand: 5, available: 5 } });
}

const available = async (s: LocalService, sku: string) =>
  (await must(clientFor(s, 'storefront').GET('/availability', { params: { query: { variantIds: [sku] } } }))).variants[0].available;
const movementTypes = async (s: LocalService, variantId: string) =>
  (await must(clientFor(s, 'backoffice').GET('/variants/{variantId}/movements', { params: { path: { variantId } } }))).movements.map((m) => m.type);

describe('npm start', () => {
  it('serves the API; the sweeper brings a lapsed hold back; data survives a restart; SIGTERM stops Java too', async () => {
    const s = await startLocalService({ CART_HOLD_SECONDS: '2', SWEEP_INTERVAL_SECONDS: '1', LOCAL_TTL_INTERVAL_SECONDS: '3600' });
    try {
      const health = await api(s, `/health`, 'GET');
      expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
      // Responses carry their length, as API Gateway sends them, not chunked.
      expect(health.headers.get('transfer-encoding')).toBeNull();
      expect(Number(health.headers.get('content-length'))).toBe(Buffer.byteLength(JSON.stringify(health.body)));
      expect((await api(s, `/openapi.json`, 'GET')).body.openapi).toBe('3.0.3');
      expect(await http(`${s.url}/locations`, 'GET')).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
      expect(await http(`${s.url}/locations`, 'GET', undefined, { authorization: `Bearer ${s.tokens.storefront}` })).toMatchObject({
        status: 403,
        body: { error: { code: 'forbidden' } },
      });
      expect(await api(s, `/nowhere`, 'GET')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
      expect(await api(s, `/stock/adjustments`, 'POST', '{oops')).toMatchObject({ status: 400, body: { error: { code: 'malformed_json' } } });
      await seed(s, 'sku-e2e');
      const hold = await api(s, `/carts/cart-1/lines/sku-e2e`, 'PUT', { quantity: 3 });
      expect(hold).toMatchObject({ status: 200, body: { quantity: 3, allocations: [{ locationId: 'wh-1', quantity: 3 }] } });
      expect(await available(s, 'sku-e2e')).toBe(2);
      expect(await eventually(() => available(s, 'sku-e2e'), (a) => a === 5)).toBe(5);
      const cart = await api(s, `/carts/cart-1`, 'GET');
      expect(cart.body.lines[0]).toMatchObject({ quantity: 3, expired: true });
      expect(await movementTypes(s, 'sku-e2e')).toEqual(['adjustment', 'cart_hold', 'hold_expired']);
      // At INFO by default, one readable line each: the gateway's access log line per request, the functions' lines with their invocation.
      expect(s.output()).toMatch(/ INFO  api +PUT \/carts\/cart-1\/lines\/sku-e2e 200 \d+ ms  requestId=\S+ integrationRequestId=\S+ .*scope=inventory\/storefront/);
      expect(s.output()).toMatch(/ INFO  sweeper +Released lapsed carts  function_request_id=\S+ released=1/);
      // No metrics unless asked (LOCAL_METRICS): the terminal shows the log only.
      expect(s.output()).not.toContain('"_aws"');
    } finally {
      expect(await s.stop()).toBe(0);
    }
    expect(javaProcessesFor(s.stateDir)).toEqual([]);

    // Restarted, with the functions' metrics asked for: each invocation's own EMF line, as in Lambda (the request's, here).
    const again = await startLocalService({ ...s.env, LOCAL_METRICS: 'true' }, s.stateDir);
    try {
      expect(await available(again, 'sku-e2e')).toBe(5);
      expect((await api(again, `/locations`, 'GET')).body.locations).toHaveLength(1);
      expect(await api(again, `/carts/cart-2/lines/sku-e2e`, 'PUT', { quantity: 1 })).toMatchObject({ status: 200 });
      const emf = await eventually(
        async () => again.output().split('\n').filter((l) => l.startsWith('{"_aws"') && l.includes('"HoldsGranted"')).map((l) => JSON.parse(l)),
        (lines) => lines.length > 0,
      );
      expect(emf).toEqual([expect.objectContaining({ service: 'inventory', HoldsGranted: 1, _aws: expect.objectContaining({ CloudWatchMetrics: [expect.objectContaining({ Namespace: 'Inventory' })] }) })]);
    } finally {
      await again.stop();
    }
    expect(javaProcessesFor(s.stateDir)).toEqual([]);
  });

  it('with the sweeper idle, TTL deletes the lapsed cart and the stream processor releases it', async () => {
    const s = await startLocalService({ CART_HOLD_SECONDS: '2', CART_RETENTION_SECONDS: '1', SWEEP_INTERVAL_SECONDS: '3600', LOCAL_TTL_INTERVAL_SECONDS: '1' });
    try {
      await seed(s, 'sku-ttl');
      await api(s, `/carts/cart-ttl/lines/sku-ttl`, 'PUT', { quantity: 4, locationId: 'wh-1' });
      expect(await available(s, 'sku-ttl')).toBe(1);
      expect(await eventually(() => available(s, 'sku-ttl'), (a) => a === 5)).toBe(5);
      const moves = await api(s, `/variants/sku-ttl/movements`, 'GET');
      expect(moves.body.movements.at(-1)).toMatchObject({ type: 'hold_expired', reason: 'cart hold expired (deleted by TTL)' });
      expect((await api(s, `/carts/cart-ttl`, 'GET')).body.lines).toEqual([]);
    } finally {
      await s.stop();
    }
  });

  it('when DynamoDB Local dies: 503 retryable (never 500) and an honest /health, then it is restarted with its data', async () => {
    const s = await startLocalService({ SWEEP_INTERVAL_SECONDS: '3600' });
    try {
      await seed(s, 'sku-down');
      // The Java process itself (not the watchdog shell that runs it), as an out-of-memory kill would.
      const java = spawnSync('pgrep', ['-f', `^java .*DynamoDBLocal.jar.*${s.stateDir}`], { encoding: 'utf8' }).stdout.trim().split('\n');
      expect(java).toHaveLength(1);
      process.kill(Number(java[0]), 'SIGKILL');
      const [health, read, write] = await Promise.all([
        api(s, '/health', 'GET'),
        api(s, '/availability?variantIds=sku-down', 'GET'),
        api(s, '/carts/cart-down/lines/sku-down', 'PUT', { quantity: 1, locationId: 'wh-1' }),
      ]);
      for (const r of [health, read, write]) {
        expect({ status: r.status, body: r.body }).toEqual({ status: 503, body: { error: expect.objectContaining({ code: 'service_unavailable', retryable: true }) } });
        expect(r.headers.get('retry-after')).toBe('1');
      }
      expect(await eventually(() => api(s, '/health', 'GET'), (r) => r.status === 200, 60_000)).toMatchObject({ status: 200 });
      expect(await available(s, 'sku-down')).toBe(5);
      expect(s.output()).toContain('DynamoDB Local exited unexpectedly; restarting it');
    } finally {
      expect(await s.stop()).toBe(0);
    }
    expect(javaProcessesFor(s.stateDir)).toEqual([]);
  });

  it('runs an EventBridge stand-in that the real SDK client publishes to, one JSON line per event', async () => {
    const s = await startLocalService({ LOCAL_EVENTS_FILE: '' });
    try {
      const endpoint = /EventBridge stand-in:\s+(http:\/\/\S+)/.exec(s.output())![1];
      const client = new EventBridgeClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
      const out = await client.send(
        new PutEventsCommand({
          Entries: [
            { Source: 'test', DetailType: 'Probe', Detail: JSON.stringify({ n: 1 }), EventBusName: 'inventory-local' },
            { Source: 'test', DetailType: 'Broken', Detail: '{not json', EventBusName: 'inventory-local' },
          ],
        }),
      );
      expect(out.FailedEntryCount).toBe(1);
      expect(out.Entries?.[1].ErrorCode).toBe('MalformedDetail');
      const lines = readFileSync(`${s.stateDir}/events.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(lines).toEqual([expect.objectContaining({ source: 'test', 'detail-type': 'Probe', detail: { n: 1 }, id: out.Entries![0].EventId })]);
      client.destroy();
    } finally {
      await s.stop();
    }
  });

  it('a cart hold that drops available below the threshold opens an alert, and its event reaches the events file', async () => {
    const s = await startLocalService();
    try {
      await seed(s, 'sku-low');
      expect((await api(s, `/variants/sku-low`, 'PUT', { lowStockThreshold: 3 })).status).toBe(200);
      await api(s, `/carts/cart-low/lines/sku-low`, 'PUT', { quantity: 3, locationId: 'wh-1' });
      const alerts = await eventually(
        () => api(s, `/alerts?status=open&locationId=wh-1`, 'GET'),
        (r) => r.body.alerts.length > 0,
      );
      expect(alerts.body.alerts).toEqual([expect.objectContaining({ variantId: 'sku-low', locationId: 'wh-1', available: 2, threshold: 3, status: 'open' })]);
      const events = await eventually(
        async () => {
          try {
            // The low-stock events (the catalog's, VariantBackInStock and the like, are tested in catalog-events.test.ts).
            return readFileSync(`${s.stateDir}/events.jsonl`, 'utf8')
              .trim()
              .split('\n')
              .map((l) => JSON.parse(l))
              .filter((e) => String(e['detail-type']).startsWith('LowStock'));
          } catch {
            return [];
          }
        },
        (e) => e.length > 0,
      );
      expect(events).toEqual([
        expect.objectContaining({
          source: 'inventory',
          'detail-type': 'LowStockAlertOpened',
          detail: expect.objectContaining({ variantId: 'sku-low', locationId: 'wh-1', available: 2, threshold: 3, eventId: expect.any(String) }),
        }),
      ]);
    } finally {
      await s.stop();
    }
  });

  it('says in one sentence when Java is missing', async () => {
    // A PATH with node and nothing else.
    const bin = mkdtempSync(path.join(tmpdir(), 'inventory-nojava-'));
    symlinkSync(process.execPath, path.join(bin, 'node'));
    await expect(startLocalService({ PATH: bin })).rejects.toThrow(/npm start exited: Java was not found: DynamoDB Local needs Java 17 or newer on the PATH\.\s*$/);
  });

  it('says in one sentence when its port is taken', async () => {
    const s = await startLocalService();
    try {
      const port = new URL(s.url).port;
      await expect(startLocalService({ PORT: port })).rejects.toThrow(/npm start exited: Port \d+ \(the API; set PORT\) is already in use; set another\.\s*$/);
    } finally {
      await s.stop();
    }
  });
});
