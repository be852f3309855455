/**
 * `npm run bench`: what each operation costs in DynamoDB requests and capacity, how fast the service is
 * through the local HTTP server next to the floor (the same DynamoDB requests sent straight through the
 * SDK), a flash sale, and the Lambda bundles' size and load time. Writes BENCHMARKS.md.
 * Self-contained: starts the local assembly (in memory) and stops it.
 */
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { systemClock } from '../functions/core/ports';
import type { Deps } from '../functions/core/deps';
import { DynamoInventoryStore } from '../functions/dynamodb/store';
import { authConfigFromEnv, createTokenVerifier } from '../functions/http/auth';
import { dispatch } from '../functions/http/dispatch';
import { authorizationFor } from '../lib/local/tokens';
import { startLocal } from '../lib/local/assembly';
import { gatewayEvent } from '../lib/local/http-server';
import { freePort, LOCAL_AWS_ENV } from '../lib/local/dynamodb-local';
import { transactionUnits } from './capacity-model';
import { LeanHttpClient } from './lean-client';
import { groups, Meter, meteredClients, type MeteredRequest } from './meter';

/** DynamoDB on-demand prices, us-east-1, since the November 2024 reduction (USD per million request units). */
const PRICE = { read: 0.125, write: 0.625, source: 'us-east-1 on-demand: $0.125 per million read request units, $0.625 per million write request units' };
const ROOT = path.join(__dirname, '..');
const quick = process.argv.includes('--quick');
const N = { cost: quick ? 5 : 20, c1: quick ? 50 : 600, c16: quick ? 160 : 2400, shoppers: 500, units: 100 };

const log = (s: string) => console.log(s);

async function main(): Promise<void> {
  const started = Date.now();
  Object.assign(process.env, LOCAL_AWS_ENV, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  // The local assembly, in this process: HTTP server, handlers, stream poller, DynamoDB Local (in memory). The HTTP client and
  // the floor's SDK client run on the same event loop, so both pay the same client-side costs.
  const stateDir = mkdtempSync(path.join(tmpdir(), 'inventory-bench-'));
  const local = await startLocal({ port: await freePort(), stateDir, inMemory: true, sweepIntervalSeconds: 3600, holdSeconds: 1800, ttlIntervalSeconds: 3600 });
  const meter = new Meter();
  const { raw: meteredRaw, doc } = meteredClients(local.dynamodbEndpoint, meter);
  const floorRaw = new DynamoDBClient({ endpoint: local.dynamodbEndpoint, region: 'us-east-1' });
  const floorClient = DynamoDBDocumentClient.from(floorRaw, { marshallOptions: { removeUndefinedValues: true } });
  const deps: Deps = { store: new DynamoInventoryStore(doc, local.tableName), clock: systemClock, holdSeconds: 1800 };
  const verifier = createTokenVerifier(authConfigFromEnv());
  // Every call carries the token of the role its route needs, as a client would.
  const authHeader = (method: string, p: string) => authorizationFor(local.tokens, method, p);
  const out: string[] = [];
  try {
    const api = async (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const r = await dispatch(deps, gatewayEvent({ method, url: p, headers: { ...authHeader(method, p), ...headers }, body: payload }), verifier);
      if ((r.statusCode ?? 200) >= 300) throw new Error(`${method} ${p} → ${r.statusCode} ${r.body}`);
      return JSON.parse(r.body ?? 'null');
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

    // ---------------------------------------------------------------- 1. requests and capacity
    log('measuring requests and capacity per operation…');
    type Op = { name: string; prepare?: () => Promise<unknown>; run: () => Promise<unknown> };
    const cart = () => `c-${randomUUID()}`;
    let current = '';
    let order = '';
    const cartOf = async (lines: number) => {
      current = cart();
      for (let i = 0; i < lines; i++) await api('PUT', `/carts/${current}/lines/${skus[i]}`, { quantity: 1, locationId: 'wh-1' });
    };
    const checkedOut = async (): Promise<void> => {
      await cartOf(1);
      order = `o-${randomUUID()}`;
      await api('POST', `/carts/${current}/checkout`, { orderId: order });
    };
    let po = '';
    let transfer = '';
    const ops: Op[] = [
      { name: 'Add to cart (new line, at a location)', run: () => api('PUT', `/carts/${cart()}/lines/bench-1`, { quantity: 1, locationId: 'wh-1' }) },
      { name: 'Add to cart (new line, allocated by the service)', run: () => api('PUT', `/carts/${cart()}/lines/bench-1`, { quantity: 1 }) },
      { name: 'Add a second line to a cart', prepare: () => cartOf(1), run: () => api('PUT', `/carts/${current}/lines/bench-2`, { quantity: 1, locationId: 'wh-1' }) },
      { name: 'Change a line’s quantity', prepare: () => cartOf(1), run: () => api('PUT', `/carts/${current}/lines/${skus[0]}`, { quantity: 3, locationId: 'wh-1' }) },
      { name: 'Remove a line', prepare: () => cartOf(1), run: () => api('DELETE', `/carts/${current}/lines/${skus[0]}`) },
      { name: 'Checkout, 1 line', prepare: () => cartOf(1), run: () => api('POST', `/carts/${current}/checkout`, { orderId: `o-${randomUUID()}` }) },
      { name: 'Checkout, 10 lines', prepare: () => cartOf(10), run: () => api('POST', `/carts/${current}/checkout`, { orderId: `o-${randomUUID()}` }) },
      {
        name: 'Fulfil (1 line)',
        prepare: checkedOut,
        run: () => api('POST', `/orders/${order}/fulfillments`, { fulfillmentId: 'f-1', lines: [{ variantId: skus[0], locationId: 'wh-1', quantity: 1 }] }),
      },
      { name: 'Cancel an order (1 line)', prepare: checkedOut, run: () => api('POST', `/orders/${order}/cancel`, {}) },
      {
        name: 'Purchase order receipt (1 line)',
        prepare: async () => {
          po = (await api('POST', '/purchase-orders', { supplier: 'Bench', locationId: 'wh-1', lines: [{ variantId: skus[5], quantity: 10 }] })).purchaseOrderId;
        },
        run: () => api('POST', `/purchase-orders/${po}/receipts`, { receiptId: 'r-1', lines: [{ variantId: skus[5], quantity: 10 }] }),
      },
      {
        name: 'Transfer completion (1 line)',
        prepare: async () => {
          transfer = (await api('POST', '/transfers', { fromLocationId: 'wh-1', toLocationId: 'wh-2', lines: [{ variantId: skus[6], quantity: 1 }] })).transferId;
        },
        run: () => api('POST', `/transfers/${transfer}/complete`, {}),
      },
      { name: 'Availability, 1 variant', run: () => api('GET', `/availability?variantIds=${skus.slice(0, 1).join(',')}`) },
      { name: 'Availability, 10 variants', run: () => api('GET', `/availability?variantIds=${skus.slice(0, 10).join(',')}`) },
      { name: 'Availability, 100 variants', run: () => api('GET', `/availability?variantIds=${skus.join(',')}`) },
      { name: 'Stock adjustment (delta)', run: () => api('POST', '/stock/adjustments', { variantId: 'bench-50', locationId: 'wh-1', delta: 1, reason: 'count' }) },
      {
        name: 'Stock adjustment with Idempotency-Key',
        run: () => api('POST', '/stock/adjustments', { variantId: 'bench-51', locationId: 'wh-1', delta: 1, reason: 'count' }, { 'idempotency-key': randomUUID() }),
      },
    ];
    const costRows: string[] = [];
    for (const op of ops) {
      let requests = 0;
      let read = 0;
      let write = 0;
      let failed = 0;
      for (let i = 0; i < N.cost; i++) {
        await op.prepare?.();
        meter.reset();
        await op.run();
        const done = [...meter.requests];
        requests += done.length;
        failed += done.filter((r) => r.failed).length;
        // Reported figures for single-item requests; modelled ones for transactions (see capacity-model.ts).
        const single = done.filter((r) => r.command !== 'TransactWriteItemsCommand');
        const tx = await transactionUnits(done, local.tableName, floorClient);
        read += single.reduce((s, r) => s + r.read, 0) + tx.read;
        write += single.reduce((s, r) => s + r.write, 0) + tx.write;
      }
      const [rq, rd, wr] = [requests / N.cost, read / N.cost, write / N.cost];
      const cost = rd * PRICE.read + wr * PRICE.write;
      costRows.push(`| ${op.name} | ${fmt(rq)}${failed ? ` (${fmt(failed / N.cost)} refused)` : ''} | ${fmt(rd)} | ${fmt(wr)} | $${cost.toFixed(2)} |`);
      log(`  ${op.name}: ${fmt(rq)} requests, ${fmt(rd)} RRU, ${fmt(wr)} WRU`);
    }
    out.push(
      '## 1. DynamoDB requests and capacity per operation',
      '',
      `Mean over ${N.cost} runs of each operation, through the HTTP handler's dispatch, counting every request the service sends. Capacity:`,
      'for single-item requests, what DynamoDB Local reports (`ReturnConsumedCapacity: TOTAL`); for transactions, which DynamoDB Local',
      'reports as one flat figure, the units AWS bills by its published rules, computed from the items each action wrote',
      '(bench/capacity-model.ts: 2 write units per KB per item, 2 read units per ConditionCheck, plus index writes). A refused request',
      `(a condition that failed, so the service reads and tries again) is counted as a request, its capacity not. Cost per million operations at`,
      `${PRICE.source}.`,
      '',
      '| operation | requests | read units | write units | cost per million |',
      '| --- | --- | --- | --- | --- |',
      ...costRows,
      '',
      'Add to cart at a location is one request: a single TransactWriteItems (variant level update guarded by `available >= quantity`,',
      'cart line set on `attribute_not_exists`, location `active` check, movement), 2 write units for each of the three items written',
      'plus the cart’s expiry index entry. Availability for 100 variants is one BatchGetItem (the location list is cached per process).',
      '',
    );

    // ---------------------------------------------------------------- 2. latency against the floor
    log('measuring latency through HTTP and the floor…');
    const base = local.url;
    // A lean keep-alive client (bench/lean-client.ts): the client shares the event loop and the cores with the service, so its
    // own work would otherwise count against the service.
    const { hostname, port } = new URL(base);
    const service = new LeanHttpClient(hostname, Number(port));
    const httpCall = async (method: string, p: string, body?: unknown) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers = { ...authHeader(method, p), ...(payload ? { 'content-type': 'application/json' } : {}) };
      const { status, text } = await service.request(method, p, headers, payload);
      if (status >= 300) throw new Error(`${method} ${p} → ${status} ${text}`);
      return text;
    };
    // Capture the DynamoDB requests of one warm run of each operation, to replay as the floor.
    const capture = async (run: () => Promise<unknown>): Promise<MeteredRequest[]> => {
      await run();
      meter.reset();
      await run();
      return [...meter.requests];
    };
    const captureCart = 'cap-cart';
    const addCapture = await capture(() => api('PUT', `/carts/${cart()}/lines/bench-3`, { quantity: 1, locationId: 'wh-1' }));
    const availCapture = await capture(() => api('GET', `/availability?variantIds=${skus.slice(0, 10).join(',')}`));
    await api('PUT', `/carts/${captureCart}/lines/bench-4`, { quantity: 1, locationId: 'wh-1' });
    meter.reset();
    await api('POST', `/carts/${captureCart}/checkout`, { orderId: 'cap-order' });
    const checkoutCapture = [...meter.requests];
    await api('PUT', `/carts/${captureCart}-setup/lines/bench-4`, { quantity: 1, locationId: 'wh-1' });
    meter.reset();
    await api('PUT', `/carts/${captureCart}-x/lines/bench-4`, { quantity: 1, locationId: 'wh-1' });
    const setupCapture = [...meter.requests];

    const addCart = (addCapture[0].input as { TransactItems: { Update?: { Key: { PK: string } } }[] }).TransactItems.map(
      (i) => i.Update?.Key.PK,
    ).find((k) => k?.startsWith('CART#'))!.slice('CART#'.length);
    // Each captured request is serialised once, here; a replay only substitutes the ids that must be fresh, so the floor does no
    // work of the benchmark's own that the service would not do.
    const prepared = new Map<MeteredRequest[], { command: string; json: string }[][]>();
    const replay = async (captured: MeteredRequest[], subst: [string, string][]) => {
      if (!prepared.has(captured)) {
        prepared.set(
          captured,
          groups(captured).map((group) =>
            group.map((r) => {
              const input = { ...(r.input as Record<string, unknown>) };
              delete input.ReturnConsumedCapacity;
              return { command: r.command, json: JSON.stringify(input) };
            }),
          ),
        );
      }
      let last: unknown[] = [];
      for (const group of prepared.get(captured)!) {
        last = await Promise.all(
          group.map((r) => {
            let json = r.json;
            for (const [from, to] of subst) json = json.split(from).join(to);
            const input = JSON.parse(json) as Record<string, unknown>;
            if ('ClientRequestToken' in input) input.ClientRequestToken = randomUUID();
            return floorClient.send(commandFor(r.command, input));
          }),
        );
      }
      return last;
    };
    const scenarios: Scenario[] = [
      {
        name: 'Add to cart',
        http: () => httpCall('PUT', `/carts/${cart()}/lines/bench-3`, { quantity: 1, locationId: 'wh-1' }),
        floor: () => replay(addCapture, [[addCart, cart()]]),
      },
      {
        name: 'Availability, 10 variants',
        readOnly: true,
        http: () => httpCall('GET', `/availability?variantIds=${skus.slice(0, 10).join(',')}`),
        floor: () => replay(availCapture, []),
      },
      {
        name: 'Checkout, 1 line',
        prepareHttp: async () => {
          const c = cart();
          await httpCall('PUT', `/carts/${c}/lines/bench-4`, { quantity: 1, locationId: 'wh-1' });
          return c;
        },
        http: (c?: string) => httpCall('POST', `/carts/${c}/checkout`, { orderId: `o-${randomUUID()}` }),
        prepareFloor: async () => {
          const c = cart();
          await replay(setupCapture, [[`${captureCart}-x`, c]]);
          return c;
        },
        floor: (c?: string) => replay(checkoutCapture, [[captureCart, c!], ['cap-order', `o-${randomUUID()}`]]),
      },
    ];
    // A reference for the HTTP hop itself: a bare node:http server whose only work is the floor's replay. The service's ratio
    // minus this one is what the gateway stand-in, the handler, middy, Powertools and the domain code add.
    const bareServer = createServer((req, res) => {
      req.resume();
      req.on('end', async () => {
        const [, index, ctx] = /^\/(\d+)(?:\/(.+))?$/.exec(req.url ?? '') ?? [];
        const result = await scenarios[Number(index)].floor(ctx && decodeURIComponent(ctx));
        const body = Buffer.from(JSON.stringify(result ?? {}));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
        res.end(body);
      });
    });
    const barePort = await new Promise<number>((r) => bareServer.listen(0, '127.0.0.1', () => r((bareServer.address() as { port: number }).port)));
    const bare = new LeanHttpClient('127.0.0.1', barePort);
    const bareCall = (index: number, ctx?: string) => bare.request('GET', `/${index}${ctx ? `/${encodeURIComponent(ctx)}` : ''}`);
    const latencyRows: string[] = [];
    const cpuRows: string[] = [];
    const dynamodbLocal = dynamodbLocalCpu(new URL(local.dynamodbEndpoint).port);
    const cell = (side: { p50: number; p99: number; rps: number }) => `${ms(side.p50)} / ${ms(side.p99)} | ${Math.round(side.rps)}`;
    try {
      for (const [index, s] of scenarios.entries()) {
        for (const concurrency of [1, 16]) {
          // Start each measurement with the stream processor caught up, so earlier writes' background work does not weigh on it.
          await local.streamsDrained();
          const count = concurrency === 1 ? N.c1 : N.c16;
          const [h, b, f] = await measureSides(count, concurrency, [
            { run: s.http, prepare: s.prepareHttp },
            { run: (ctx) => bareCall(index, ctx), prepare: s.prepareFloor },
            { run: s.floor, prepare: s.prepareFloor },
          ], dynamodbLocal);
          const [lo, hi] = ratioInterval(h.latencies, f.latencies);
          latencyRows.push(
            `| ${s.name} | ${concurrency} | ${cell(h)} | ${cell(f)} | **${(h.p50 / f.p50).toFixed(2)}×** | ${lo.toFixed(2)}–${hi.toFixed(2)} | ${(b.p50 / f.p50).toFixed(2)}× |`,
          );
          const us = (v?: number) => (v === undefined ? '–' : `${Math.round(v)} µs`);
          // Writes set off stream processing in this process and in DynamoDB Local, which lands in whichever side's turn it is.
          if (s.readOnly) {
            cpuRows.push(
              `| ${s.name} | ${concurrency} | ${us(h.nodeCpu)} | ${us(b.nodeCpu)} | ${us(f.nodeCpu)} | ${us(b.nodeCpu - f.nodeCpu)} | ${us(h.nodeCpu - b.nodeCpu)} | ${us(h.dynamodbCpu)} | ${us(b.dynamodbCpu)} | ${us(f.dynamodbCpu)} |`,
            );
          }
          log(
            `  ${s.name} c=${concurrency}: node CPU per request: http ${us(h.nodeCpu)}, bare ${us(b.nodeCpu)}, floor ${us(f.nodeCpu)}; DynamoDB Local: ${us(h.dynamodbCpu)}, ${us(b.dynamodbCpu)}, ${us(f.dynamodbCpu)}`,
          );
          log(
            `  ${s.name} c=${concurrency}: http p50 ${ms(h.p50)} p99 ${ms(h.p99)} ${Math.round(h.rps)}/s; floor p50 ${ms(f.p50)} p99 ${ms(f.p99)}; ratio ${(h.p50 / f.p50).toFixed(2)} (${lo.toFixed(2)}–${hi.toFixed(2)}); bare HTTP ${(b.p50 / f.p50).toFixed(2)}`,
          );
        }
      }
    } finally {
      bare.close();
      bareServer.closeAllConnections();
      bareServer.close();
    }
    out.push(
      '## 2. Latency and throughput against the floor',
      '',
      `Through the local HTTP server (\`npm start\`'s assembly: HTTP → API Gateway-shaped event → the Lambda handler with middy and`,
      'Powertools → DynamoDB Local), next to the floor: the same DynamoDB requests the operation sends, captured from a real run and',
      `replayed straight through the SDK (requests that the service sends in parallel are replayed in parallel). The sides take`,
      'turns (one request each at concurrency 1, blocks of 64 at 16; each round starts with the next side in rotation) after a',
      'warm-up, each scenario starting with the stream processor caught up, so drift and background work weigh on all alike.',
      `${N.c1} requests at concurrency 1, ${N.c16} at concurrency 16, per`,
      `side, on this machine (${machine()}); the HTTP client, the service and DynamoDB Local share its cores. The client is a lean`,
      'keep-alive HTTP/1.1 client (bench/lean-client.ts), as load generators are, so that its own work weighs little on the event',
      "loop it shares with the service (with node:http's client, the bare HTTP hop below cost 240–330 µs of Node CPU per request at",
      'concurrency 16 over four runs; with this one, 135–295 µs over twenty-seven). DynamoDB Local is much',
      'slower than DynamoDB, so the ratio, not the milliseconds, is the figure that carries over to AWS. The interval is the ratio\'s',
      'spread over 1,000 bootstrap resamples of the latencies. The last column is a reference taken in the same turns: a bare',
      '`node:http` server whose only work is the floor\'s DynamoDB requests, answering with their output; it is what the local HTTP',
      'hop costs by itself (client and server in one Node process), so the difference between the two ratios is what the service',
      '(gateway stand-in, middy, Powertools, validation, domain code) adds. A checkout\'s cart is made before its block of',
      'requests starts, so neither its time nor its CPU is counted.',
      '',
      '| operation | concurrency | HTTP p50 / p99 | HTTP req/s | floor p50 / p99 | floor req/s | HTTP p50 ÷ floor p50 | 95% interval | bare HTTP ÷ floor |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...latencyRows,
      '',
      'Where the time goes, for the read: CPU time per request in the same turns, of this Node process (HTTP client, local gateway,',
      'handler, SDK; from `process.cpuUsage`) and of DynamoDB Local\'s JVM (from /proc, in clock ticks summed over the run). The',
      'three sides send DynamoDB the same requests, so its CPU should be close across them (it also runs background threads, which',
      'weigh on the slower side a little more). The bare side\'s extra Node CPU over the floor is the HTTP hop (client and server);',
      'the HTTP side\'s over the bare side is the service (gateway stand-in, handler, validation, domain code, response). On two',
      'cores shared by both processes, at concurrency 16 the machine is CPU-bound, so the ratio of p50s follows the ratio of total',
      'CPU per request; at concurrency 1 the extra Node CPU sits on each request\'s path. Writes are left out of this table: the',
      'stream processing they set off runs in the same two processes and lands in whichever side\'s turn it is.',
      '',
      '| operation | concurrency | Node CPU: HTTP | bare HTTP | floor | the HTTP hop (bare − floor) | the service (HTTP − bare) | DynamoDB Local CPU: HTTP | bare HTTP | floor |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...cpuRows,
      '',
    );

    // ---------------------------------------------------------------- 3. flash sale
    log('flash sale…');
    await httpCall('POST', '/stock/adjustments', { variantId: 'flash', locationId: 'wh-1', onHand: N.units, reason: 'flash sale stock' });
    const flashStart = performance.now();
    const results = await Promise.all(
      Array.from({ length: N.shoppers }, async (_, i) => {
        const t0 = performance.now();
        const res = await fetch(`${base}/carts/flash-${i}/lines/flash`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', ...authHeader('PUT', '/carts/x/lines/flash') },
          body: JSON.stringify({ quantity: 1, locationId: 'wh-1' }),
        });
        await res.text();
        return { status: res.status, ms: performance.now() - t0 };
      }),
    );
    const flashSeconds = (performance.now() - flashStart) / 1000;
    const variant = JSON.parse(await httpCall('GET', '/variants/flash')) as { softReserved: number; available: number; onHand: number };
    const ok = results.filter((r) => r.status === 200).length;
    const refused = results.filter((r) => r.status === 409).length;
    const other = results.length - ok - refused;
    const oversold = Math.max(0, ok - N.units, variant.softReserved - variant.onHand);
    const lat = results.map((r) => r.ms).sort((a, b) => a - b);
    out.push(
      '## 3. Flash sale',
      '',
      `${N.shoppers} shoppers add the same variant to their carts at once, through HTTP, for ${N.units} units in stock.`,
      '',
      '| shoppers | units | holds granted | refused (409) | other | oversold | softReserved after | available after | p50 | p99 | wall time |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      `| ${N.shoppers} | ${N.units} | ${ok} | ${refused} | ${other} | **${oversold}** | ${variant.softReserved} | ${variant.available} | ${ms(pct(lat, 0.5))} | ${ms(pct(lat, 0.99))} | ${flashSeconds.toFixed(1)} s |`,
      '',
    );
    log(`  ${ok} granted, ${refused} refused, ${other} other, oversold ${oversold}`);
    if (oversold > 0 || ok !== N.units) throw new Error(`flash sale: ${ok} holds for ${N.units} units`);
    service.close();

    // ---------------------------------------------------------------- 4. bundles
    log('bundling with cdk synth…');
    out.push(...coldStart());
  } finally {
    floorRaw.destroy();
    meteredRaw.destroy();
    await local.stop();
  }
  const header = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}, in ${Math.round((Date.now() - started) / 1000)} s.`,
    'Request counts and capacity units are exact for a given code path; timings depend on the machine.',
    '',
  ];
  writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), [...header, ...out].join('\n'));
  log('wrote BENCHMARKS.md');
}

function coldStart(): string[] {
  const outdir = mkdtempSync(path.join(tmpdir(), 'inventory-synth-'));
  const synth = spawnSync('npx', ['cdk', 'synth', '-q', '-o', outdir], { cwd: ROOT, encoding: 'utf8' });
  if (synth.status !== 0) throw new Error(`cdk synth failed: ${synth.stderr}`);
  const template = JSON.parse(readFileSync(path.join(outdir, 'InventoryService.template.json'), 'utf8')) as {
    Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
  };
  const rows: string[] = [];
  for (const [id, r] of Object.entries(template.Resources)) {
    // The service's own functions (not CDK's helpers for the dashboard upload).
    if (r.Type !== 'AWS::Lambda::Function' || !r.Metadata?.['aws:asset:path'] || !/^(HttpApiFunction|StreamProcessor|Sweeper)/.test(id)) continue;
    const file = path.join(outdir, r.Metadata['aws:asset:path'], 'index.js');
    const size = statSync(file).size;
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const probe = spawnSync(
        process.execPath,
        ['-e', `const t=process.hrtime.bigint();require(${JSON.stringify(file)});console.log(Number(process.hrtime.bigint()-t)/1e6)`],
        { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules'), JWT_ISSUER: 'https://issuer.example', JWT_JWKS_URI: 'https://issuer.example/jwks.json', TABLE_NAME: 'bench', EVENT_BUS_NAME: 'bench', AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
      );
      const t = Number(probe.stdout.trim());
      if (probe.status !== 0 || !Number.isFinite(t) || t <= 0) throw new Error(`loading ${file} failed: ${probe.stderr}`);
      times.push(t);
    }
    times.sort((a, b) => a - b);
    rows.push(`| ${id.replace(/[0-9A-F]{8}$/, '')} | ${(size / 1024).toFixed(1)} KB | ${size < 250 * 1024 ? 'yes' : '**no**'} | ${times[2].toFixed(0)} ms |`);
  }
  return [
    '## 4. Cold start proxy',
    '',
    'Each Lambda bundle as `cdk synth` builds it (esbuild, minified, the AWS SDK left to the runtime), and the time a fresh Node',
    `${process.version} process takes to load it (median of 5; it loads the AWS SDK from node_modules as the runtime loads its own).`,
    '',
    '| function | bundle | under 250 KB | load time |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ];
}

function commandFor(name: string, input: Record<string, unknown>) {
  // The service sends these through the document client, so the floor does too (the meter sees their document-form input).
  const table: Record<string, new (i: never) => unknown> = {
    GetItemCommand: GetCommand,
    BatchGetItemCommand: BatchGetCommand,
    QueryCommand,
    TransactWriteItemsCommand: TransactWriteCommand,
    UpdateItemCommand: UpdateCommand,
    PutItemCommand: PutCommand,
    DeleteItemCommand: DeleteCommand,
  };
  const C = table[name];
  if (!C) throw new Error(`cannot replay ${name}`);
  return new C(input as never) as never;
}

type Side = { run: (ctx?: string) => Promise<unknown>; prepare?: () => Promise<string> };

/** An operation timed through HTTP and as its floor; `prepare*` makes what one request needs first (a cart to check out). */
type Scenario = {
  name: string;
  /** Sends no writes, so no stream processing lands in its CPU figures. */
  readOnly?: boolean;
  http: (ctx?: string) => Promise<unknown>;
  floor: (ctx?: string) => Promise<unknown>;
  prepareHttp?: () => Promise<string>;
  prepareFloor?: () => Promise<string>;
};

async function measureSides(count: number, concurrency: number, sides: Side[], dynamodbLocal?: CpuClock) {
  // Warm-up, then the sides take turns: one request each at concurrency 1, blocks of four rounds at 16, so that drift in
  // DynamoDB Local (its JIT, its growing tables) and background work fall on every side alike. Each round starts with the next
  // side in rotation, so that no side always follows the same one (and inherits, say, the GC debt of its allocations).
  for (let i = 0; i < 5; i++) for (const side of sides) await measure(Math.max(concurrency * 2, 20), concurrency, side);
  const block = concurrency === 1 ? 1 : concurrency * 4;
  const results = sides.map(() => ({ latencies: [] as number[], wall: 0, nodeCpu: 0, dynamodbCpu: 0 }));
  for (let done = 0, round = 0; done < count; done += block, round++) {
    for (let k = 0; k < sides.length; k++) {
      const i = (round + k) % sides.length;
      const side = sides[i];
      const r = await measure(Math.min(block, count - done), concurrency, side, dynamodbLocal);
      results[i].latencies.push(...r.latencies);
      results[i].wall += r.wall;
      results[i].nodeCpu += r.nodeCpu;
      results[i].dynamodbCpu += r.dynamodbCpu;
    }
  }
  return results.map((r) => {
    r.latencies.sort((x, y) => x - y);
    return {
      latencies: r.latencies,
      p50: pct(r.latencies, 0.5),
      p99: pct(r.latencies, 0.99),
      rps: count / (r.wall / 1000),
      // CPU time per request, in µs: this Node process (client, service, SDK) and DynamoDB Local's JVM.
      nodeCpu: (r.nodeCpu * 1000) / count,
      dynamodbCpu: dynamodbLocal ? (r.dynamodbCpu * 1000) / count : undefined,
    };
  });
}

/** A process's CPU time (user + system) in ms, read from /proc; the JVM's is counted in clock ticks, so it is summed over many blocks. */
type CpuClock = () => number;

/** DynamoDB Local's JVM (the java process listening on this port), where /proc exists. */
function dynamodbLocalCpu(port: string): CpuClock | undefined {
  if (!existsSync('/proc/self/stat')) return undefined;
  const tick = 1000 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmd: string[];
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (path.basename(cmd[0]) !== 'java' || cmd[cmd.indexOf('-port') + 1] !== port) continue;
    return () => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) * tick;
    };
  }
  return undefined;
}

/**
 * How sure the ratio of the two p50s is: the 2.5th and 97.5th percentiles of that ratio over 1,000 bootstrap resamples of
 * each side's latencies (a seeded generator, so a run's interval is reproducible from its samples).
 */
function ratioInterval(a: number[], b: number[]): [number, number] {
  let seed = 42;
  const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const median = (xs: number[]) => {
    const sample = Array.from(xs, () => xs[Math.floor(random() * xs.length)]).sort((x, y) => x - y);
    return pct(sample, 0.5);
  };
  const ratios = Array.from({ length: 1000 }, () => median(a) / median(b)).sort((x, y) => x - y);
  return [pct(ratios, 0.025), pct(ratios, 0.975)];
}

async function measure(count: number, concurrency: number, side: Side, dynamodbLocal?: CpuClock) {
  // What a request needs first (a cart to check out) is made before the block, so that neither its time nor its CPU is counted.
  const contexts: (string | undefined)[] = [];
  if (side.prepare) {
    let made = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (made++ < count) contexts.push(await side.prepare!());
      }),
    );
  }
  const latencies: number[] = [];
  let next = 0;
  const dynamodb0 = dynamodbLocal?.() ?? 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const ctx = contexts[next++];
        const s = performance.now();
        await side.run(ctx);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { latencies, wall, nodeCpu: (cpu.user + cpu.system) / 1000, dynamodbCpu: (dynamodbLocal?.() ?? 0) - dynamodb0 };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))];
const ms = (v: number) => `${v.toFixed(1)} ms`;
const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));
const machine = () => {
  const cpus = require('node:os').cpus() as { model: string }[];
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'CPU'}, Node ${process.version}`;
};

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
