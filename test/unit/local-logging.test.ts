// Proves what `npm start` prints: the local gateway's access log entry has the stage's access log fields (the same names, strings,
// "-" for none; the caller from the verified token; Lambda's request id apart from the gateway's), and the terminal format shows a
// line's fields as key=value at the configured level, or Lambda's JSON lines with LOG_FORMAT=json.
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { ACCESS_LOG_FIELDS } from '../../lib/constructs/http-api';
import { startHttpServer, type AccessLogEntry, type LocalHttpServer } from '../../lib/local/http-server';
import { TerminalLogger, textLine } from '../../lib/local/terminal-logger';
import { testAuth } from '../support/auth';

const auth = testAuth();

describe('the local gateway’s access log', () => {
  let server: LocalHttpServer;
  const entries: AccessLogEntry[] = [];
  const seen: { event: APIGatewayProxyEventV2; context: Context }[] = [];

  beforeAll(async () => {
    server = await startHttpServer({
      port: 0,
      verifier: auth.verifier,
      accessLog: (e) => entries.push(e),
      handler: async (event, context) => {
        seen.push({ event, context });
        if (event.rawPath === '/locations/boom') throw new Error('the handler crashed');
        return { statusCode: 200, body: '{}' };
      },
    });
  });
  afterAll(() => server.stop());

  const entryFor = async (path: string, headers: Record<string, string> = {}, method = 'GET') => {
    const before = entries.length;
    const res = await fetch(`${server.url}${path}`, { method, headers });
    await res.arrayBuffer();
    for (let i = 0; i < 100 && entries.length === before; i++) await new Promise((r) => setTimeout(r, 10));
    return { status: res.status, entry: entries[before] };
  };

  it('has exactly the stage’s fields, every value a string, the caller’s scope and subject from the verified token', async () => {
    const { entry } = await entryFor('/locations/wh-1', { ...auth.headerFor('GET', '/locations/wh-1'), 'user-agent': 'test-agent' });
    expect(Object.keys(entry).sort()).toEqual(Object.keys(ACCESS_LOG_FIELDS).sort());
    for (const v of Object.values(entry)) expect(typeof v).toBe('string');
    const { event, context } = seen.at(-1)!;
    expect(entry).toMatchObject({
      requestId: event.requestContext.requestId,
      integrationRequestId: context.awsRequestId,
      status: '200',
      routeKey: 'GET /locations/{locationId}',
      method: 'GET',
      path: '/locations/wh-1',
      sourceIp: '127.0.0.1',
      userAgent: 'test-agent',
      scope: 'inventory/backoffice',
      subject: 'local-backoffice',
      clientId: '-',
      scp: '-',
      integrationError: '-',
      authorizerError: '-',
      errorMessage: '-',
    });
    // As in AWS, the invocation's request id is not the gateway's: the function's lines carry both (function_request_id, correlation_id).
    expect(entry.integrationRequestId).not.toBe(entry.requestId);
    expect(Number(entry.responseLatency)).toBeGreaterThanOrEqual(Number(entry.integrationLatency));
  });

  it('says why a caller was not recognised, and leaves the caller out on public routes', async () => {
    expect((await entryFor('/locations/wh-1', { authorization: 'Bearer not-a-jwt' })).entry).toMatchObject({ scope: '-', authorizerError: expect.not.stringMatching(/^-$/) });
    expect((await entryFor('/health', auth.headerFor('GET', '/locations/x'))).entry).toMatchObject({ scope: '-', authorizerError: '-', routeKey: 'GET /health' });
  });

  it('records a handler that threw as a 500 with its integration error', async () => {
    const { status, entry } = await entryFor('/locations/boom', auth.headerFor('GET', '/locations/boom'));
    expect(status).toBe(500);
    expect(entry).toMatchObject({ status: '500', integrationError: 'the handler crashed', errorMessage: 'Internal Server Error' });
  });
});

describe('the terminal format', () => {
  const collect = (format: 'text' | 'json', level: 'INFO' | 'WARN' = 'INFO', tag?: string) => {
    const out: string[] = [];
    return { out, logger: new TerminalLogger({ serviceName: 'inventory', logLevel: level }, { format, tag, color: false, write: (l) => out.push(l) }) };
  };

  it('prints time, level, source and message, then every field that says something as key=value', () => {
    const line = textLine({
      timestamp: '2026-11-26T17:00:59.284Z',
      level: 'INFO',
      message: 'Released lapsed carts',
      service: 'inventory',
      sampling_rate: 0,
      cold_start: false,
      function_arn: 'arn:aws:lambda:us-east-1:000000000000:function:inventory-sweeper-local',
      function_memory_size: '512',
      function_name: 'inventory-sweeper-local',
      function_request_id: 'r-1',
      released: 2,
      note: 'two words',
    });
    expect(line).toMatch(/^\d\d:\d\d:59\.284 INFO {2}sweeper {3}Released lapsed carts {2}function_request_id=r-1 released=2 note="two words"$/);
  });

  it('puts an error’s stack under its line, and an access line’s method, path, status and latency in its message', () => {
    const { out, logger } = collect('text');
    logger.forInvocation({ awsRequestId: 'r-2', functionName: 'inventory-http-api-local' } as Context, 'api-req-2').error('Unhandled error', new Error('boom'));
    expect(out[0]).toMatch(/ ERROR http-api {2}Unhandled error {2}.*function_request_id=r-2 correlation_id=api-req-2 error="Error: boom"\n {4}Error: boom\n {8}at /);

    const access = collect('text', 'INFO', 'api');
    access.logger.info('GET /health 200 3 ms', { requestId: 'q', integrationRequestId: 'l', status: '200', method: 'GET', path: '/health', responseLatency: '3', scope: '-' });
    expect(access.out[0]).toMatch(/ INFO {2}api {7}GET \/health 200 3 ms {2}requestId=q integrationRequestId=l$/);
  });

  it('prints nothing below its level, and Lambda’s JSON lines with LOG_FORMAT=json', () => {
    const warn = collect('text', 'WARN');
    warn.logger.info('not shown');
    warn.logger.warn('shown');
    expect(warn.out).toHaveLength(1);
    const json = collect('json');
    json.logger.forInvocation({ awsRequestId: 'r-3', functionName: 'f' } as Context, 'c-3').info('hello', { n: 1 });
    expect(JSON.parse(json.out[0])).toMatchObject({ level: 'INFO', message: 'hello', service: 'inventory', function_request_id: 'r-3', correlation_id: 'c-3', n: 1 });
  });
});
