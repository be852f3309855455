import { startLocal } from '../lib/local/assembly';
import { freePort } from '../lib/local/dynamodb-local';
import { mkdtempSync } from 'node:fs';
(async () => {
  const local = await startLocal({ port: await freePort(), stateDir: mkdtempSync('/tmp/p-'), inMemory: true, sweepIntervalSeconds: 3600, holdSeconds: 1800, ttlIntervalSeconds: 3600 });
  const u = local.url;
  const j = (m: string, p: string, b?: unknown) => fetch(u + p, { method: m, headers: { 'content-type': 'application/json' }, body: b ? JSON.stringify(b) : undefined }).then((r) => r.text());
  await j('PUT', '/locations/wh-1', { name: 'w', type: 'warehouse' });
  for (let i = 0; i < 10; i++) await j('POST', '/stock/adjustments', { variantId: `s${i}`, locationId: 'wh-1', onHand: 5, reason: 'x' });
  const time = async (label: string, f: () => Promise<unknown>, n = 300) => {
    for (let i = 0; i < 30; i++) await f();
    const ts: number[] = [];
    for (let i = 0; i < n; i++) { const t = performance.now(); await f(); ts.push(performance.now() - t); }
    ts.sort((a, b) => a - b);
    console.log(label, ts[Math.floor(n / 2)].toFixed(2));
  };
  const ids = Array.from({ length: 10 }, (_, i) => `s${i}`).join(',');
  await time('health http', () => j('GET', '/health'));
  await time('availability http', () => j('GET', `/availability?variantIds=${ids}`));
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { DynamoDBDocumentClient, BatchGetCommand } = await import('@aws-sdk/lib-dynamodb');
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: local.dynamodbEndpoint, region: 'us-east-1' }));
  const keys = Array.from({ length: 10 }, (_, i) => ({ PK: `VARIANT#s${i}`, SK: 'VARIANT' }));
  await time('batchget floor', () => doc.send(new BatchGetCommand({ RequestItems: { [local.tableName]: { Keys: keys } } })));
  const http = await import('../functions/http-api');
  const ev = (p: string, q: Record<string, string>) => ({ version: '2.0', routeKey: 'GET /availability', rawPath: p, rawQueryString: '', headers: {}, queryStringParameters: q, requestContext: { http: { method: 'GET', path: p }, requestId: 'x' }, isBase64Encoded: false }) as any;
  await time('availability handler', () => http.handler(ev('/availability', { variantIds: ids }), { awsRequestId: 'x', getRemainingTimeInMillis: () => 1000 } as any));
  const httpMod = await import('node:http');
  const agent = new httpMod.Agent({ keepAlive: true });
  const nodeGet = (p: string) => new Promise<string>((res, rej) => { const r = httpMod.request(u + p, { agent }, (resp) => { let d=''; resp.on('data', (c) => d += c); resp.on('end', () => res(d)); }); r.on('error', rej); r.end(); });
  await time('availability node-http', () => nodeGet(`/availability?variantIds=${ids}`));
  await time('health node-http', () => nodeGet('/health'));
  await time('batchget floor again', () => doc.send(new BatchGetCommand({ RequestItems: { [local.tableName]: { Keys: keys } } })));
  await time('availability handler again', () => http.handler(ev('/availability', { variantIds: ids }), { awsRequestId: 'x', getRemainingTimeInMillis: () => 1000 } as any));
  await local.stop();
  process.exit(0);
})();
