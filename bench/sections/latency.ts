/**
 * Section 2: latency and throughput through the local HTTP server, next to the floor (the same DynamoDB
 * requests replayed straight through the SDK) and a bare HTTP hop, with CPU per request on both processes.
 */
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Bench } from '../context';
import { LeanHttpClient } from '../lean-client';
import { groups, type MeteredRequest } from '../meter';
import { machine, ms, pct } from '../report';

export async function latencyAgainstFloor({ api, httpCall, cart, skus, meter, local, floorClient, N, log }: Bench): Promise<string[]> {
  log('measuring latency through HTTP and the floor…');
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
  // The setup (a hold) and the checkout are captured on the same cart, so the checkout's condition on the cart's
  // revision is the one the replayed setup writes.
  meter.reset();
  await api('PUT', `/carts/${captureCart}/lines/bench-4`, { quantity: 1, locationId: 'wh-1' });
  const setupCapture = [...meter.requests];
  meter.reset();
  await api('POST', `/carts/${captureCart}/checkout`, { orderId: 'cap-order' });
  const checkoutCapture = [...meter.requests];

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
        await replay(setupCapture, [[captureCart, c]]);
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
  const section = [
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
  ];
  return section;
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
