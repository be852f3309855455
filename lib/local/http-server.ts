/**
 * The local API Gateway: turns each HTTP request into an HTTP API payload 2.0 event, matched against
 * the route table as API Gateway would (routeKey and pathParameters), and invokes the same Lambda
 * handler. It has no logic of its own beyond what API Gateway does; like the stage, it writes an access log entry per
 * request, with the same fields (ACCESS_LOG_FIELDS in lib/constructs/http-api.ts).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { dict } from '../../functions/core/dict';
import { HttpError } from '../../functions/http/errors';
import type { Claims, TokenVerifier } from '../../functions/http/auth';
import type { HttpHandler } from '../../functions/http/handler';
import { errorResponse } from '../../functions/http/respond';
import { matchRoute, routes } from '../../functions/http/routes';
import type { ACCESS_LOG_FIELDS } from '../constructs/http-api';


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

/** The Context the local server gives the handler, as Lambda would (the tests, the benchmark and the local stream poller and sweeper use it too). */
export const lambdaContext = (requestId: string, functionName = 'inventory-http-api-local', timeoutMs = 29_000): Context => {
  // The time left counts down from the invocation's start, as Lambda's does, to the function's timeout in the stack
  // (the API's 29 s is API Gateway's integration limit; the stream processor has 60 s, the sweeper 55 s).
  const deadline = Date.now() + timeoutMs;
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: 'local',
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  } as Context;
};

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

/** One request's access log entry: the stage's fields, every value a string, "-" where there is none (as API Gateway writes them). */
export type AccessLogEntry = Record<keyof typeof ACCESS_LOG_FIELDS, string>;

const orDash = (v: unknown): string => (v === undefined || v === null || v === '' ? '-' : String(v));

/**
 * The caller's claims as the stage's JWT authorizer would log them: on a route that needs a role, from the bearer token
 * verified (the handler verifies it again, as in AWS; verified tokens are cached, so the second time costs a lookup).
 */
async function callerOf(event: APIGatewayProxyEventV2, verifier: TokenVerifier | undefined): Promise<{ claims?: Claims; error?: string }> {
  const m = matchRoute(event.requestContext.http.method, event.rawPath);
  if (!verifier || m.kind !== 'found' || routes[m.operationId].role === 'public') return {};
  const token = /^Bearer\s+(\S+)$/i.exec(event.headers?.authorization ?? '')?.[1];
  if (!token) return { error: 'Unauthorized' };
  try {
    return { claims: await verifier.verify(token) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function accessLogEntry(
  event: APIGatewayProxyEventV2,
  r: { integrationRequestId?: string; status: number; responseMs: number; integrationMs?: number; integrationError?: string; errorMessage?: string },
  caller: { claims?: Claims; error?: string },
): AccessLogEntry {
  const c = event.requestContext;
  const claims = caller.claims ?? {};
  return {
    requestId: c.requestId,
    integrationRequestId: orDash(r.integrationRequestId),
    requestTime: new Date(c.timeEpoch).toISOString(),
    status: String(r.status),
    responseLatency: String(Math.round(r.responseMs)),
    integrationLatency: r.integrationMs === undefined ? '-' : String(Math.round(r.integrationMs)),
    integrationError: orDash(r.integrationError),
    routeKey: c.routeKey,
    method: c.http.method,
    path: c.http.path,
    sourceIp: c.http.sourceIp,
    userAgent: orDash(c.http.userAgent),
    scope: orDash(claims.scope),
    scp: orDash(claims.scp),
    clientId: orDash(claims.client_id),
    subject: orDash(claims.sub),
    authorizerError: orDash(caller.error),
    errorMessage: orDash(r.errorMessage),
  };
}

export interface HttpServerOptions {
  port: number;
  handler: HttpHandler;
  host?: string;
  site?: StaticSite;
  /** Called with each API request's access log entry, after its response is sent. @default none */
  accessLog?: (entry: AccessLogEntry) => void;
  /** Verifies the bearer token for the access log's caller fields (scope, clientId, subject). @default they are "-" */
  verifier?: TokenVerifier;
}

export async function startHttpServer(options: HttpServerOptions): Promise<LocalHttpServer> {
  const server: Server = createServer((req, res) => {
    if (options.site && req.method === 'GET' && serveStatic(options.site, new URL(req.url ?? '/', 'http://x').pathname, res)) return;
    const received = performance.now();
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
      const event = toEvent(req, tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks));
      const r: Omit<Parameters<typeof accessLogEntry>[1], 'status' | 'responseMs'> = {};
      if (tooLarge) {
        out = errorResponse(new HttpError('payload_too_large', 'The body is larger than the gateway accepts.', { limit: GATEWAY_BODY_LIMIT }));
        r.errorMessage = 'Request Entity Too Large';
      } else {
        // Lambda's request id for the invocation, not the gateway's: in AWS the two differ (integrationRequestId, requestId).
        r.integrationRequestId = randomUUID();
        const invoked = performance.now();
        // A handler that throws past its own error handling is a 500, as API Gateway would answer.
        out = await options.handler(event, lambdaContext(r.integrationRequestId)).catch((err: unknown) => {
          r.integrationError = (err as Error)?.message ?? String(err);
          r.errorMessage = 'Internal Server Error';
          return errorResponse(err);
        });
        r.integrationMs = performance.now() - invoked;
      }
      // With its length, as API Gateway sends it (Node would otherwise send the body chunked); base64 bodies decoded, as it does.
      const body = Buffer.from(out.body ?? '', out.isBase64Encoded ? 'base64' : 'utf8');
      const status = out.statusCode ?? 200;
      res.writeHead(status, { ...(out.headers as Record<string, string>), 'content-length': String(body.length) });
      res.end(body);
      const responseMs = performance.now() - received;
      if (options.accessLog) {
        const log = options.accessLog;
        void callerOf(event, options.verifier)
          .then((caller) => log(accessLogEntry(event, { ...r, status, responseMs }, caller)))
          .catch(() => undefined);
      }
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
