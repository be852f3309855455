/**
 * Fault injection: the failures AWS produces that DynamoDB Local and the local EventBridge stand-in never do,
 * injected into the real SDK clients so the code paths that handle them run in tests, in `npm start` and in
 * the soak. Off unless FAULT_INJECTION names rates (probabilities per request), for example
 *
 *   FAULT_INJECTION="conflict=0.05,throttle=0.02,provisioned=0.01,ambiguous=0.02,events=0.1,crash=0.05,streams=0.05"
 *
 * - conflict: a transaction is cancelled with TransactionConflict (a single write: TransactionConflictException);
 * - throttle / provisioned: a request is refused with ThrottlingException / ProvisionedThroughputExceededException;
 * - ambiguous: a write is applied, then its caller sees a timeout (the SDK retries it; a transaction's retry
 *   carries the same ClientRequestToken, so DynamoDB answers it as done instead of applying it twice);
 * - events: a PutEvents entry fails inside a 200 (FailedEntryCount > 0);
 * - crash: a stream batch's invocation dies part-way (the records before the crash were handled);
 * - streams: a GetRecords call is throttled or finds its iterator expired (the local stream poller's client).
 *
 * Each is injected where AWS produces it: DynamoDB's inside the SDK's retry loop (so the SDK's own retries see
 * them as they would in AWS), EventBridge's in the response. FAULT_SEED makes a run repeatable.
 */
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { EventBridgeClient, PutEventsRequestEntry, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const FAULT_KINDS = ['conflict', 'throttle', 'provisioned', 'ambiguous', 'events', 'crash', 'streams'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultPlan {
  rates: Partial<Record<FaultKind, number>>;
  /** Seeds the injector's random draws. @default a random seed */
  seed?: number;
}

/** Parses FAULT_INJECTION ("kind=rate,..."); undefined when it is empty. A kind or rate it does not know throws. */
export function parseFaultPlan(spec: string | undefined, seed?: string): FaultPlan | undefined {
  if (!spec?.trim()) return undefined;
  const rates: FaultPlan['rates'] = {};
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [kind, raw] = part.split('=').map((s) => s.trim());
    const rate = Number(raw);
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new Error(`FAULT_INJECTION: unknown fault "${kind}" (known: ${FAULT_KINDS.join(', ')})`);
    if (!(rate >= 0 && rate <= 1)) throw new Error(`FAULT_INJECTION: the rate of ${kind} must be between 0 and 1, not "${raw}"`);
    rates[kind as FaultKind] = rate;
  }
  const s = seed === undefined || seed === '' ? undefined : Number(seed);
  if (s !== undefined && !Number.isInteger(s)) throw new Error(`FAULT_SEED must be an integer, not "${seed}"`);
  return { rates, seed: s };
}

/** How many faults of each kind this process has injected (the soak reports them). */
const injected: Record<FaultKind, number> = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
export const injectedFaults = (): Readonly<Record<FaultKind, number>> => ({ ...injected });

/** Draws faults at the plan's rates (mulberry32: small, fast, and repeatable from a seed). */
export class FaultInjector {
  private state: number;

  constructor(readonly plan: FaultPlan) {
    this.state = (plan.seed ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
  }

  random(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Whether to inject a fault of this kind now (counted when it says yes). */
  draw(kind: FaultKind): boolean {
    const rate = this.plan.rates[kind] ?? 0;
    if (rate <= 0 || this.random() >= rate) return false;
    injected[kind]++;
    return true;
  }
}

/** An error shaped as the SDK deserialises a service's error (name, $fault, $metadata), so its retry logic treats it as AWS's. */
const serviceError = (name: string, message: string, status: number, extra: Record<string, unknown> = {}): Error =>
  Object.assign(new Error(message), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, ...extra });

const WRITES = new Set(['TransactWriteItemsCommand', 'PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand']);

/** Injects DynamoDB's faults into a client's requests, inside its retry loop. */
export function injectDynamoDbFaults(client: DynamoDBDocumentClient, faults: FaultInjector): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      if (faults.draw('throttle')) throw serviceError('ThrottlingException', 'Rate of requests exceeds the allowed throughput (injected)', 400);
      if (faults.draw('provisioned')) {
        throw serviceError('ProvisionedThroughputExceededException', 'The level of configured provisioned throughput for the table was exceeded (injected)', 400);
      }
      if (command === 'TransactWriteItemsCommand' && faults.draw('conflict')) {
        const items = ((args.input as { TransactItems?: unknown[] }).TransactItems ?? []).length;
        const conflicted = Math.floor(faults.random() * Math.max(1, items));
        throw serviceError('TransactionCanceledException', 'Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict] (injected)', 400, {
          CancellationReasons: Array.from({ length: items }, (_, i) =>
            i === conflicted ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' } : { Code: 'None' },
          ),
        });
      }
      if (WRITES.has(command) && command !== 'TransactWriteItemsCommand' && faults.draw('conflict')) {
        throw serviceError('TransactionConflictException', 'Transaction is ongoing for the item (injected)', 400);
      }
      const out = await next(args);
      if (WRITES.has(command) && faults.draw('ambiguous')) {
        // Applied, but the caller never hears so: the SDK retries (TimeoutError is transient).
        throw Object.assign(new Error('Connection timed out after the request was sent (injected)'), { name: 'TimeoutError' });
      }
      return out;
    },
    { step: 'deserialize', name: 'inventoryFaultInjection', priority: 'high' },
  );
}

/** Makes PutEvents fail some entries inside a 200 response, as EventBridge does under load. */
export function injectEventBridgeFaults(client: EventBridgeClient, faults: FaultInjector): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutEventsCommand') return next(args);
      const input = args.input as { Entries?: PutEventsRequestEntry[] };
      const entries = input.Entries ?? [];
      const failing = entries.map(() => faults.draw('events'));
      if (!failing.some(Boolean)) return next(args);
      const kept = entries.filter((_, i) => !failing[i]);
      const result = kept.length ? await next({ ...args, input: { ...input, Entries: kept } }) : ({ output: { $metadata: {}, Entries: [] } } as unknown as Awaited<ReturnType<typeof next>>);
      const output = result.output as { $metadata: object; Entries?: PutEventsResultEntry[]; FailedEntryCount?: number };
      const sent = [...(output.Entries ?? [])];
      const merged = entries.map((_, i): PutEventsResultEntry => (failing[i] ? { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal failure (injected)' } : sent.shift()!));
      return { ...result, output: { ...output, Entries: merged, FailedEntryCount: merged.filter((e) => e.ErrorCode).length } } as typeof result;
    },
    { step: 'initialize', name: 'inventoryFaultInjection' },
  );
}

/** Makes the stream reader's GetRecords calls fail as AWS's do now and then: throttled, or with an expired iterator. */
export function injectStreamsFaults(client: DynamoDBStreamsClient, faults: FaultInjector): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetRecordsCommand' && faults.draw('streams')) {
        throw faults.random() < 0.5
          ? serviceError('LimitExceededException', 'Too many requests for the stream (injected)', 400)
          : serviceError('ExpiredIteratorException', 'Iterator expired (injected)', 400);
      }
      return next(args);
    },
    { step: 'deserialize', name: 'inventoryFaultInjection', priority: 'high' },
  );
}
