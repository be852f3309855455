/**
 * `npm start`: the whole service on this machine — API, DynamoDB Local, stream processing, the expiry
 * sweeper and the EventBridge stand-in. Ctrl-C or SIGTERM stops everything it started.
 */
import { StartupError } from '../lib/local/dynamodb-local';
import { startLocal, type LocalAssembly } from '../lib/local/assembly';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat } from '../lib/local/terminal-logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';

const env = process.env;
const int = (name: string, fallback: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`${name} must be a whole number, not "${raw}".`);
    process.exit(1);
  }
  return n;
};

/** One of `allowed` (any case), else the fallback; anything else stops with a message. */
function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T, normalise: (v: string) => string): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = normalise(raw) as T;
  if (!allowed.includes(v)) {
    console.error(`${name} must be one of ${allowed.join(', ')}, not "${raw}".`);
    process.exit(1);
  }
  return v;
}

async function main(): Promise<void> {
  let assembly: LocalAssembly | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    await assembly?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  try {
    assembly = await startLocal({
      port: int('PORT', 3000),
      stateDir: env.LOCAL_STATE_DIR || '.local',
      eventsFile: env.LOCAL_EVENTS_FILE || undefined,
      sweepIntervalSeconds: int('SWEEP_INTERVAL_SECONDS', 10) || 10,
      holdSeconds: int('CART_HOLD_SECONDS', 1800) || 1800,
      cartRetentionSeconds: int('CART_RETENTION_SECONDS', 86_400) || 86_400,
      faultInjection: env.FAULT_INJECTION,
      faultSeed: env.FAULT_SEED,
      partitionLimits: env.PARTITION_LIMITS,
      metrics: ['true', '1', 'yes', 'on'].includes((env.LOCAL_METRICS ?? '').toLowerCase()),
      dynamodbPort: env.DYNAMODB_PORT ? int('DYNAMODB_PORT', 8000) : undefined,
      logging: {
        level: oneOf<LogLevel>('LOG_LEVEL', LOG_LEVELS, 'INFO', (v) => v.toUpperCase()),
        format: oneOf<LogFormat>('LOG_FORMAT', LOG_FORMATS, 'text', (v) => v.toLowerCase()),
      },
      log: (line) => console.error(line),
      onFatal: (reason) => {
        console.error(`${reason} Stopping.`);
        void assembly?.stop().finally(() => process.exit(1));
      },
    });
  } catch (err) {
    if (err instanceof StartupError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  if (stopping) return;
  console.log(`Inventory service listening on ${assembly.url}`);
  console.log(`  DynamoDB Local:        ${assembly.dynamodbEndpoint} (table ${assembly.tableName})`);
  console.log(`  EventBridge stand-in:  ${assembly.eventBusEndpoint} → ${assembly.eventsFile}`);
  console.log(`  OpenAPI:               ${assembly.url}/openapi.json`);
  console.log(`  Dashboard:             ${assembly.url}/dashboard/`);
  console.log(`Bearer tokens (also in ${env.LOCAL_STATE_DIR || '.local'}/tokens.json):`);
  for (const [role, token] of Object.entries(assembly.tokens)) console.log(`  ${role.padEnd(11)} ${token}`);
  console.log('Ctrl-C stops everything.');
}

main().catch((err: Error) => {
  console.error(`Could not start: ${err.message}`);
  process.exit(1);
});
