/**
 * The local assembly: the same handlers as in AWS, wired to local stand-ins of the managed parts.
 *   DynamoDB Local (table from the shared definition)  ←→  http-server (API Gateway)  → http-api handler
 *   stream-poller (event source mapping)                 → stream-processor handler
 *   sweeper loop (EventBridge schedule)                   → sweeper handler
 *   event-bus hook (the AuditRequestedToAuditor rule)     → auditor handler
 *   event-bus (EventBridge PutEvents)                     ← handlers' EventBridge client
 *   ttl-stand-in (DynamoDB TTL)                           → deletes expired items, marked in the stream
 * The handlers are built by the factories the Lambda entries call (functions/http/handler.ts,
 * functions/streams/handler.ts, functions/schedule/sweeper.ts), from a configuration read by the same
 * loadConfig: nothing here rewrites the process's environment.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { Role } from '../../functions/http/routes';
import path from 'node:path';
import { loadConfig } from '../../functions/commons/config';
import { createRuntime } from '../../functions/commons/runtime';
import { limitPartitions, parsePartitionLimits } from './partition-limits';
import { createTokenVerifier } from '../../functions/http/auth';
import { createHttpHandler } from '../../functions/http/handler';
import { createAuditor } from '../../functions/schedule/auditor';
import { createSweeper } from '../../functions/schedule/sweeper';
import { createStreamHandler } from '../../functions/streams/handler';
import { STREAM_FILTERS } from '../../functions/streams/on-table-change';
import { assertPortFree, ensureTable, LOCAL_AWS_ENV, startSupervisedDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { startLocalEventBus, type LocalEventBus } from './event-bus';
import { lambdaContext, startHttpServer, type LocalHttpServer } from './http-server';
import { StreamPoller } from './stream-poller';
import { buildDashboard } from '../dashboard-build';
import { TerminalLogger, type LogFormat } from './terminal-logger';
import { ensureLocalAuth } from './tokens';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import { startTtlStandIn } from './ttl-stand-in';

export interface LocalOptions {
  /** PORT. @default 3000 */
  port: number;
  /** LOCAL_STATE_DIR: DynamoDB Local's data, stream checkpoints, events. @default .local */
  stateDir: string;
  /** LOCAL_EVENTS_FILE. @default <stateDir>/events.jsonl */
  eventsFile?: string;
  /** SWEEP_INTERVAL_SECONDS. @default 10 */
  sweepIntervalSeconds: number;
  /** CART_HOLD_SECONDS. @default 1800 */
  holdSeconds: number;
  /** CART_RETENTION_SECONDS: how long a cart is kept after its hold lapsed. @default 86400 */
  cartRetentionSeconds?: number;
  /** LOCAL_TTL_INTERVAL_SECONDS: how often the TTL stand-in deletes expired items. @default 5 */
  ttlIntervalSeconds?: number;
  /** DYNAMODB_PORT: DynamoDB Local's port. @default a free one */
  dynamodbPort?: number;
  /** Keep DynamoDB Local's data in memory instead of stateDir (tests). @default false */
  inMemory?: boolean;
  tableName?: string;
  log?: (line: string) => void;
  /** FAULT_INJECTION: faults to inject into the SDK clients (functions/commons/faults.ts). @default none */
  faultInjection?: string;
  /** FAULT_SEED: makes the injected faults repeatable. @default random */
  faultSeed?: string;
  /** PARTITION_LIMITS: DynamoDB's per-partition limits, simulated (lib/local/partition-limits.ts). @default none */
  partitionLimits?: string;
  /**
   * LOG_LEVEL and LOG_FORMAT: the functions' lines and an access log line per API request, printed for a terminal
   * (lib/local/terminal-logger.ts). @default the functions' lines as in Lambda (JSON, POWERTOOLS_LOG_LEVEL), no access log
   */
  logging?: { level: LogLevel; format: LogFormat };
  /**
   * LOCAL_METRICS: the functions write their metrics as in Lambda, one EMF JSON line per invocation (and dimension set)
   * on stdout, each invocation's own. @default false: no metrics are recorded, and stdout carries the log only
   */
  metrics?: boolean;
  /** Told why, when DynamoDB Local dies and cannot be brought back (npm start then exits). @default logs it */
  onFatal?: (reason: string) => void;
}

export interface LocalAssembly {
  url: string;
  dynamodbEndpoint: string;
  eventBusEndpoint: string;
  eventsFile: string;
  tableName: string;
  /** A ready-to-use bearer token per role (also in <stateDir>/tokens.json). */
  tokens: Record<Role, string>;
  /** Resolves when the stream processor has caught up with every change so far. */
  /** True once the stream processor has caught up; false if it had not within `timeoutMs` (default 60 s). */
  streamsDrained(timeoutMs?: number): Promise<boolean>;
  /** Runs one sweep now (tests use it instead of waiting for the interval). */
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

const TABLE_NAME = 'inventory';

export async function startLocal(o: LocalOptions): Promise<LocalAssembly> {
  const log = o.log ?? (() => undefined);
  const stateDir = path.resolve(o.stateDir);
  mkdirSync(stateDir, { recursive: true });
  const eventsFile = path.resolve(o.eventsFile ?? path.join(stateDir, 'events.jsonl'));
  const tableName = o.tableName ?? TABLE_NAME;
  await assertPortFree(o.port, 'the API; set PORT');

  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const dbDir = path.join(stateDir, 'dynamodb');
    mkdirSync(dbDir, { recursive: true });
    const ddb: DynamoDbLocal = await startSupervisedDynamoDbLocal({
      port: o.dynamodbPort,
      dbPath: o.inMemory ? undefined : dbDir,
      log,
      onFatal: (reason) => (o.onFatal ?? ((r: string) => log(r)))(reason),
    });
    stops.push(ddb.stop);
    const streamArn = await ensureTable(ddb.endpoint, tableName);
    // The stack's AuditRequestedToAuditor rule: an audit requested with POST /audits runs in this process (set below).
    let onAuditRequested: (auditId: string) => void = () => undefined;
    const bus: LocalEventBus = await startLocalEventBus({
      eventsFile,
      onEvent: (e) => {
        const auditId = (e.detail as { auditId?: unknown } | undefined)?.auditId;
        if (e.source === 'inventory' && e['detail-type'] === 'InventoryAuditRequested' && typeof auditId === 'string') onAuditRequested(auditId);
      },
    });
    stops.push(bus.stop);

    // The same handlers as in AWS, built by the same factories, from a configuration read by the same loadConfig.
    const auth = ensureLocalAuth(stateDir);
    const config = loadConfig({
      TABLE_NAME: tableName,
      EVENT_BUS_NAME: 'inventory-local',
      DYNAMODB_ENDPOINT: ddb.endpoint,
      EVENTBRIDGE_ENDPOINT: bus.endpoint,
      AWS_REGION: LOCAL_AWS_ENV.AWS_REGION,
      CART_HOLD_SECONDS: String(o.holdSeconds),
      CART_RETENTION_SECONDS: String(o.cartRetentionSeconds ?? 86_400),
      FAULT_INJECTION: o.faultInjection,
      FAULT_SEED: o.faultSeed,
      POWERTOOLS_METRICS_DISABLED: o.metrics ? 'false' : 'true',
    });
    // After the faults (an injected fault is not charged); partitionLimitsOf(doc) gives its counters.
    const limits = parsePartitionLimits(o.partitionLimits);
    const runtime = createRuntime(config, { onTableClient: limits && ((doc) => void limitPartitions(doc, limits)) });
    const verifier = createTokenVerifier({ issuer: auth.issuer, audience: auth.audience, jwksFile: auth.jwksFile });
    // Each handler is given a context as Lambda gives one (its function's name, a request id per invocation), so their lines say which it was.
    const functionsLog = o.logging ? new TerminalLogger({ serviceName: 'inventory', logLevel: o.logging.level }, { format: o.logging.format }) : undefined;
    const accessLog = o.logging ? new TerminalLogger({ serviceName: 'inventory', logLevel: o.logging.level }, { format: o.logging.format, tag: 'api' }) : undefined;
    const http = createHttpHandler(runtime, verifier, functionsLog);
    const streams = createStreamHandler(runtime, functionsLog);
    const sweeper = createSweeper(runtime, { passes: 1, passSeconds: 0 }, functionsLog);
    // The auditor, on request only (there is no daily schedule locally), in one segment; it confirms its findings 5 s
    // after its scan (the local stream poller's lag, when it keeps up).
    const auditor = createAuditor(runtime, { ...config.auditor, segments: 1, confirmSeconds: 5 }, functionsLog);
    const audits = new Set<Promise<unknown>>();
    onAuditRequested = (auditId) => {
      const run = auditor
        .handler({ source: 'inventory', 'detail-type': 'InventoryAuditRequested', detail: { auditId } }, lambdaContext(randomUUID(), 'inventory-auditor-local', 900_000))
        .catch((err: Error) => log(`auditor: ${err.message}`))
        .finally(() => audits.delete(run));
      audits.add(run);
    };
    stops.push(async () => {
      onAuditRequested = () => undefined;
      await Promise.all([...audits]);
    });

    const ttl = startTtlStandIn({
      endpoint: ddb.endpoint,
      tableName,
      intervalMs: (o.ttlIntervalSeconds ?? 5) * 1000,
      onError: (err) => log(`ttl stand-in: ${(err as Error).message}`),
    });
    stops.push(ttl.stop);

    const poller = new StreamPoller({
      isTtlDelete: (r) => {
        const old = r.dynamodb?.OldImage;
        return old?.entity?.S === 'Cart' ? ttl.deleted(old.PK.S!, old.SK.S!, old.revision?.S ?? '') : Promise.resolve(false);
      },
      endpoint: ddb.endpoint,
      streamArn,
      handler: (event) => streams(event, lambdaContext(randomUUID(), 'inventory-stream-processor-local', 60_000)),
      checkpointFile: o.inMemory ? undefined : path.join(stateDir, 'stream-checkpoints.json'),
      deadLetterFile: path.join(stateDir, 'stream-dead-letters.jsonl'),
      // As the stack's event source mapping: the same filters, and a record retried 10 times before it is dead-lettered.
      filters: STREAM_FILTERS,
      maxRetries: 10,
      faults: runtime.faults,
      onError: (err) => log(`stream processor: ${(err as Error).message}`),
    });
    poller.start();
    stops.push(() => poller.stop());

    let sweeping: Promise<number> | undefined;
    const sweep = () => {
      sweeping ??= sweeper.handler({}, lambdaContext(randomUUID(), 'inventory-sweeper-local', 55_000)).then((r) => r.released).finally(() => (sweeping = undefined));
      return sweeping;
    };
    const timer = setInterval(() => {
      sweep().catch((err: Error) => log(`sweeper: ${err.message}`));
    }, o.sweepIntervalSeconds * 1000);
    stops.push(async () => {
      clearInterval(timer);
      await sweeping?.catch(() => undefined);
    });

    // The back office's page at /dashboard, with the local back-office token in its config.json.
    const site = { prefix: '/dashboard', dir: buildDashboard(path.join(stateDir, 'dashboard'), { apiBase: '', token: auth.tokens.backoffice }) };
    const server: LocalHttpServer = await startHttpServer({
      port: o.port,
      handler: http,
      site,
      verifier,
      ...(accessLog ? { accessLog: (e) => accessLog.info(`${e.method} ${e.path} ${e.status} ${e.responseLatency} ms`, e) } : {}),
    });
    stops.push(server.stop);
    return {
      url: server.url,
      dynamodbEndpoint: ddb.endpoint,
      eventBusEndpoint: bus.endpoint,
      eventsFile,
      tableName,
      tokens: auth.tokens,
      streamsDrained: (timeoutMs?: number) => poller.drained(timeoutMs),
      sweep,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
