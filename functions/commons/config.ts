/**
 * Configuration, read once at module scope. A missing required variable throws, so a misconfigured
 * function fails at cold start rather than on its first request.
 */
import type { AuditorSettings } from '../schedule/auditor';
import type { SweeperSettings } from '../schedule/sweeper';
import { parseFaultPlan, type FaultPlan } from './faults';

export interface Config {
  tableName: string;
  /** The EventBridge bus for the service's events (stream processor only). */
  eventBusName?: string;
  /** CART_HOLD_SECONDS: how long a cart's holds last after its last change. @default 1800 */
  holdSeconds: number;
  /** CART_RETENTION_SECONDS: how long a cart is kept after its hold lapsed. @default 86400 */
  cartRetentionSeconds: number;
  /** Local assembly only: where DynamoDB Local and the EventBridge stand-in listen. */
  dynamodbEndpoint?: string;
  eventBridgeEndpoint?: string;
  region: string;
  /** SWEEP_PASSES and SWEEP_PASS_SECONDS: how the sweeper runs (AWS: 2 passes, 30 s apart, every minute). */
  sweeper: SweeperSettings;
  /** AUDIT_READ_UNITS_PER_SECOND, AUDIT_SCAN_SEGMENTS, AUDIT_CONFIRM_SECONDS: the auditor's read budget and confirmation delay (docs/operations.md). */
  auditor: AuditorSettings;
  /** FAULT_INJECTION (and FAULT_SEED): faults to inject into the SDK clients (tests, npm start, the soak). @default none */
  faults?: FaultPlan;
  /**
   * Where the service's metrics go: EMF lines on stdout in this namespace, with this `service` dimension
   * (POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME); undefined when POWERTOOLS_METRICS_DISABLED is true (npm
   * start, unless LOCAL_METRICS asks for them). @default { namespace: 'Inventory', service: 'inventory' }
   */
  metrics?: { namespace: string; service: string };
}

const required = (env: NodeJS.ProcessEnv, name: string): string => {
  const v = env[name];
  if (!v) throw new Error(`Environment variable ${name} is required`);
  return v;
};

const positiveInt = (env: NodeJS.ProcessEnv, name: string, fallback: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`Environment variable ${name} must be a positive integer, not "${raw}"`);
  return n;
};

/** As Powertools reads its boolean settings. */
const isTrue = (raw: string | undefined): boolean => ['true', '1', 'yes', 'on'].includes((raw ?? '').trim().toLowerCase());

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    tableName: required(env, 'TABLE_NAME'),
    eventBusName: env.EVENT_BUS_NAME || undefined,
    holdSeconds: positiveInt(env, 'CART_HOLD_SECONDS', 1800),
    cartRetentionSeconds: positiveInt(env, 'CART_RETENTION_SECONDS', 86_400),
    dynamodbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    eventBridgeEndpoint: env.EVENTBRIDGE_ENDPOINT || undefined,
    region: env.AWS_REGION || 'us-east-1',
    sweeper: { passes: positiveInt(env, 'SWEEP_PASSES', 1), passSeconds: positiveInt(env, 'SWEEP_PASS_SECONDS', 30) },
    auditor: {
      readUnitsPerSecond: positiveInt(env, 'AUDIT_READ_UNITS_PER_SECOND', 4000),
      segments: positiveInt(env, 'AUDIT_SCAN_SEGMENTS', 4),
      confirmSeconds: positiveInt(env, 'AUDIT_CONFIRM_SECONDS', 30),
    },
    faults: parseFaultPlan(env.FAULT_INJECTION, env.FAULT_SEED),
    metrics: isTrue(env.POWERTOOLS_METRICS_DISABLED)
      ? undefined
      : { namespace: env.POWERTOOLS_METRICS_NAMESPACE || 'Inventory', service: env.POWERTOOLS_SERVICE_NAME || 'inventory' },
  };
}
