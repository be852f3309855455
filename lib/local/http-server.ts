/**
 * The local API Gateway: turns each HTTP request into an HTTP API payload 2.0 event, matched against
 * the route table as API Gateway would (routeKey and pathParameters), and invokes the same Lambda
 * handler. It has no logic of its own beyond what API Gateway does.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { dict } from '../../functions/core/dict';
import { HttpError } from '../../functions/http/errors';
import type { HttpHandler } from '../../functions/http/handler';
import { errorResponse } from '../../functions/http/respond';
import { matchRoute } from '../../functions/http/routes';


/** API Gateway's own limit on a request body. */
const GATEWAY_BODY_LIMIT = 10 * 1024 * 1024;

export interface LocalHttpServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** What API Gateway knows of a request, from which it builds the event. */
export interface GatewayRequest {
  method: string;
  /** Path and query string, as sent. */
  url: string;
  /** Lower-case names; repeated headers already joined. */
  headers: Record<string, string>;
  body?: string;
  sourceIp?: string;
}

/** The HTTP API payload 2.0 event API Gateway would send for this request (tests and the benchmark build theirs here too). */
export function gatewayEvent(req: GatewayRequest): APIGatewayProxyEventV2 {
  const url = new URL(req.url, 'http://localhost');
  const matched = matchRoute(req.method, url.pathname);
  const headers = req.headers;
  // Parameter names come from the caller: a Dict, so `?__proto__=` or `?constructor=` are names like any other.
  const query = dict<string>();
  for (const [k, v] of url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
  const now = new Date();
  return {
    version: '2.0',
    routeKey: matched.kind === 'found' ? matched.routeKey : '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(matched.kind === 'found' && Object.keys(matched.pathParameters).length ? { pathParameters: matched.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: { method: req.method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: req.sourceIp ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: matched.kind === 'found' ? matched.routeKey : '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(req.body ? { body: req.body } : {}),
    isBase64Encoded: false,
  };
}

function toEvent(req: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
  const headers = dict<string>();
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  return gatewayEvent({
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    headers,
    body: body.length ? body.toString('utf8') : undefined,
    sourceIp: req.socket.remoteAddress,
  });
}

/** The Context the local server gives the handler, as Lambda would (the tests and the benchmark use it too). */
export const lambdaContext = (requestId: string): Context =>
  ({
    functionName: 'inventory-http-api-local',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:inventory-http-api-local',
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: 'local',
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 29_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  }) as Context;

const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };

/** Static files under a path prefix (the dashboard, as CloudFront serves it in AWS). */
export interface StaticSite {
  prefix: string;
  dir: string;
}

function serveStatic(site: StaticSite, urlPath: string, res: ServerResponse): boolean {
  if (urlPath !== site.prefix && !urlPath.startsWith(`${site.prefix}/`)) return false;
  const rel = urlPath.slice(site.prefix.length).replace(/^\/+/, '') || 'index.html';
  const file = path.resolve(site.dir, rel);
  if (!file.startsWith(path.resolve(site.dir)) || !existsSync(file)) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('Not found');
    return true;
  }
  if (urlPath === site.prefix) {
    res.writeHead(301, { location: `${site.prefix}/` });
    res.end();
    return true;
  }
  res.writeHead(200, { 'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
  res.end(readFileSync(file));
  return true;
}

export async function startHttpServer(options: { port: number; handler: HttpHandler; host?: string; site?: StaticSite }): Promise<LocalHttpServer> {
  const server: Server = createServer((req, res) => {
    if (options.site && req.method === 'GET' && serveStatic(options.site, new URL(req.url ?? '/', 'http://x').pathname, res)) return;
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > GATEWAY_BODY_LIMIT) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', async () => {
      let out: APIGatewayProxyStructuredResultV2;
      if (tooLarge) {
        out = errorResponse(new HttpError('payload_too_large', 'The body is larger than the gateway accepts.', { limit: GATEWAY_BODY_LIMIT }));
      } else {
        const event = toEvent(req, Buffer.concat(chunks));
        // A handler that throws past its own error handling is a 500, as API Gateway would answer.
        out = await options.handler(event, lambdaContext(event.requestContext.requestId)).catch((err: unknown) => errorResponse(err));
      }
      // With its length, as API Gateway sends it (Node would otherwise send the body chunked); base64 bodies decoded, as it does.
      const body = Buffer.from(out.body ?? '', out.isBase64Encoded ? 'base64' : 'utf8');
      res.writeHead(out.statusCode ?? 200, { ...(out.headers as Record<string, string>), 'content-length': String(body.length) });
      res.end(body);
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
