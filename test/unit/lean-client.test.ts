// The benchmark's lean HTTP client (bench/lean-client.ts) measures the service, so it must read every response exactly and
// refuse what it cannot read. Against a node:http server on loopback.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LeanHttpClient } from '../../bench/lean-client';

let server: Server;
let client: LeanHttpClient;
let connections = 0;
let handle: (req: IncomingMessage, body: string, res: ServerResponse) => void;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
beforeEach(() => {
  connections = 0;
  client = new LeanHttpClient('127.0.0.1', (server.address() as AddressInfo).port);
});
afterEach(() => client.close());
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const text = 'épée – 😀 '.repeat(2000);

it('sends method, path, headers and body, and reads status and a UTF-8 body that arrives in pieces, over one kept-alive socket', async () => {
  handle = (req, body, res) => {
    const out = Buffer.from(JSON.stringify({ method: req.method, url: req.url, auth: req.headers.authorization, body }) + text);
    res.writeHead(201, { 'content-length': String(out.length) });
    // Split inside a multi-byte character, in two writes.
    res.write(out.subarray(0, out.length - 3));
    setTimeout(() => res.end(out.subarray(out.length - 3)), 5);
  };
  for (const body of ['{"quantity":1,"note":"ça"}', undefined]) {
    const r = await client.request(body ? 'PUT' : 'GET', '/carts/c-1/lines/v-1?x=1', { authorization: 'Bearer t' }, body);
    expect(r.status).toBe(201);
    expect(r.text.endsWith(text)).toBe(true);
    expect(JSON.parse(r.text.slice(0, r.text.length - text.length))).toEqual({
      method: body ? 'PUT' : 'GET',
      url: '/carts/c-1/lines/v-1?x=1',
      auth: 'Bearer t',
      body: body ?? '',
    });
  }
  expect(connections).toBe(1);
});

it('gives each of several requests in flight its own socket and its own response', async () => {
  handle = (req, _body, res) => setTimeout(() => res.writeHead(200, { 'content-length': String(req.url!.length) }).end(req.url), 10 - req.url!.length);
  const paths = ['/a', '/bb', '/ccc', '/dddd'];
  const replies = await Promise.all(paths.map((p) => client.request('GET', p)));
  expect(replies.map((r) => r.text)).toEqual(paths);
  expect(connections).toBe(4);
});

it('refuses a response without Content-Length, and a connection closed before the response is whole', async () => {
  handle = (_req, _body, res) => {
    res.writeHead(200);
    res.end('chunked');
  };
  await expect(client.request('GET', '/x')).rejects.toThrow('a response without Content-Length: HTTP/1.1 200 OK');
  handle = (req, _body, res) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('short');
    setTimeout(() => req.socket.destroy(), 5);
  };
  await expect(client.request('GET', '/y')).rejects.toThrow('the server closed the connection');
});

it('opens a new socket after a response that closes its connection', async () => {
  handle = (_req, _body, res) => res.writeHead(200, { 'content-length': '2', connection: 'close' }).end('ok');
  expect((await client.request('GET', '/1')).text).toBe('ok');
  expect((await client.request('GET', '/2')).text).toBe('ok');
  expect(connections).toBe(2);
});
