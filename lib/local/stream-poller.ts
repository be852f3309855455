/**
 * The local twin of the Lambda event source mapping on the table's stream: reads every shard, hands
 * records to the stream processor in batches shaped as AWS delivers them, retries from the first
 * failed record (partial batch response), and after `maxRetries` writes the batch to a dead-letter
 * file, as the SQS on-failure destination does in AWS. Its position is saved, so a restart resumes.
 *
 * DynamoDB Local marks its TTL deletes differently from AWS (no userIdentity, another event name), and
 * the deletes of the local TTL stand-in are plain REMOVEs: `normaliseRecord` gives both AWS's shape,
 * REMOVE by the service principal dynamodb.amazonaws.com.
 *
 * The checkpoint file is replaced atomically (written aside, then renamed over), so a crash mid-write
 * leaves the previous checkpoint; a file that cannot be read anyway is reported and the poller starts
 * again from the oldest record (every handler is idempotent: records seen again change nothing).
 */
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { injectStreamsFaults, type FaultInjector } from '../../functions/commons/faults';
import { matchesFilter, type FilterPattern } from '../../functions/streams/on-table-change';
import { localClientConfig } from './dynamodb-local';

export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<{ batchItemFailures?: { itemIdentifier: string }[] } | void | unknown>;

export interface StreamPollerOptions {
  endpoint: string;
  streamArn: string;
  handler: StreamHandler;
  /** Where to keep the last processed sequence number per shard (resume after restart). */
  checkpointFile?: string;
  deadLetterFile?: string;
  batchSize?: number;
  maxRetries?: number;
  intervalMs?: number;
  onError?: (err: unknown) => void;
  /** Only records that match one of these patterns are delivered, as the event source mapping's filters do. @default all */
  filters?: readonly FilterPattern[];
  /** Faults to inject into its GetRecords calls (FAULT_INJECTION streams). */
  faults?: FaultInjector;
  /** Whether a REMOVE record is a delete by (the stand-in for) DynamoDB's TTL. */
  isTtlDelete?: (r: _Record) => Promise<boolean>;
}

const KNOWN_EVENTS = new Set(['INSERT', 'MODIFY', 'REMOVE']);

/**
 * Gives a DynamoDB Local record AWS's shape (see the module comment). `byTtlStandIn` is true for a REMOVE
 * that the local TTL stand-in made.
 */
export function normaliseRecord(r: _Record, streamArn: string, byTtlStandIn = false): DynamoDBRecord {
  const ttlDelete = (!KNOWN_EVENTS.has(String(r.eventName)) && !!r.dynamodb?.OldImage && !r.dynamodb?.NewImage) || (r.eventName === 'REMOVE' && byTtlStandIn);
  const created = r.dynamodb?.ApproximateCreationDateTime;
  return {
    eventID: r.eventID,
    eventName: (ttlDelete ? 'REMOVE' : r.eventName) as DynamoDBRecord['eventName'],
    eventVersion: r.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN: streamArn,
    ...(ttlDelete
      ? { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } }
      : r.userIdentity
        ? { userIdentity: { type: r.userIdentity.Type, principalId: r.userIdentity.PrincipalId } }
        : {}),
    dynamodb: {
      ...(r.dynamodb as DynamoDBRecord['dynamodb']),
      ...(r.dynamodb?.NewImage ? { NewImage: restoreEmptyMaps(r.dynamodb.NewImage) } : {}),
      ...(r.dynamodb?.OldImage ? { OldImage: restoreEmptyMaps(r.dynamodb.OldImage) } : {}),
      ApproximateCreationDateTime: created ? Math.floor(new Date(created as unknown as string).getTime() / 1000) : undefined,
    },
  } as DynamoDBRecord;
}

type Image = Record<string, unknown>;

/**
 * The streams client reads an empty map attribute (`{"M":{}}`) as `{}`; Lambda delivers `{"M":{}}`.
 * This puts the `M` back, at any depth.
 */
export function restoreEmptyMaps(image: Image): DynamoDBRecord['dynamodb'] extends infer D ? (D extends { NewImage?: infer I } ? I : never) : never {
  const fix = (av: unknown): unknown => {
    if (!av || typeof av !== 'object') return av;
    const v = av as Record<string, unknown>;
    if (Object.keys(v).length === 0) return { M: {} };
    if (v.M && typeof v.M === 'object') return { M: Object.fromEntries(Object.entries(v.M as Image).map(([k, x]) => [k, fix(x)])) };
    if (Array.isArray(v.L)) return { L: v.L.map(fix) };
    return v;
  };
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, fix(v)])) as never;
}

export class StreamPoller {
  private readonly client: DynamoDBStreamsClient;
  private running = false;
  private loop?: Promise<void>;
  private checkpoints: Record<string, string> = {};
  private iterators = new Map<string, string | undefined>();
  private wake?: () => void;
  private emptyPolls = 0;

  constructor(private readonly o: StreamPollerOptions) {
    this.client = new DynamoDBStreamsClient(localClientConfig(o.endpoint));
    if (o.faults) injectStreamsFaults(this.client, o.faults);
    if (o.checkpointFile && existsSync(o.checkpointFile)) this.checkpoints = readCheckpoints(o.checkpointFile, o.onError);
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.client.destroy();
  }

  /**
   * Resolves once the running loop has found the stream empty twice since the call (all caught up): true; or
   * false when `timeoutMs` passed first (the stream still has records to deliver).
   */
  async drained(timeoutMs = 60_000): Promise<boolean> {
    const target = this.emptyPolls + 2;
    const deadline = Date.now() + timeoutMs;
    while (this.running && this.emptyPolls < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.emptyPolls >= target;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let got = 0;
      try {
        got = await this.pollOnce();
      } catch (err) {
        this.o.onError?.(err);
      }
      if (!this.running) break;
      if (got === 0) {
        this.emptyPolls++;
        await new Promise<void>((r) => {
          const t = setTimeout(r, this.o.intervalMs ?? 250);
          this.wake = () => {
            clearTimeout(t);
            r();
          };
        });
      }
    }
  }

  /** One pass over every shard; returns how many records were handled. */
  async pollOnce(): Promise<number> {
    const { StreamDescription } = await this.client.send(new DescribeStreamCommand({ StreamArn: this.o.streamArn }));
    let handled = 0;
    for (const shard of StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId!;
      let iterator = this.iterators.get(shardId);
      if (iterator === undefined && !this.iterators.has(shardId)) iterator = await this.iteratorFor(shardId);
      if (!iterator) continue;
      let out;
      try {
        out = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      } catch (err) {
        // Whatever failed (an expired iterator, or DynamoDB Local restarted), the next pass asks for a new
        // iterator from the checkpoint: records after it are delivered again, which changes nothing.
        this.iterators.delete(shardId);
        if (err instanceof ExpiredIteratorException || err instanceof TrimmedDataAccessException) continue;
        throw err;
      }
      this.iterators.set(shardId, out.NextShardIterator);
      const raw = out.Records ?? [];
      const byTtl = await Promise.all(raw.map((r) => (r.eventName === 'REMOVE' && this.o.isTtlDelete ? this.o.isTtlDelete(r) : false)));
      const filters = this.o.filters;
      const all = raw.map((r, i) => normaliseRecord(r, this.o.streamArn, byTtl[i]));
      const records = filters ? all.filter((r) => filters.some((p) => matchesFilter(r, p))) : all;
      const size = this.o.batchSize ?? 100;
      for (let i = 0; i < records.length; i += size) {
        await this.deliver(records.slice(i, i + size));
        const last = records[Math.min(i + size, records.length) - 1];
        this.checkpoints[shardId] = last.dynamodb!.SequenceNumber!;
        this.saveCheckpoints();
      }
      // Past the records the filters left out too.
      const lastRead = raw.at(-1)?.dynamodb?.SequenceNumber;
      if (lastRead && this.checkpoints[shardId] !== lastRead) {
        this.checkpoints[shardId] = lastRead;
        this.saveCheckpoints();
      }
      handled += raw.length;
    }
    return handled;
  }

  private async iteratorFor(shardId: string): Promise<string | undefined> {
    const after = this.checkpoints[shardId];
    const out = await this.client.send(
      new GetShardIteratorCommand({
        StreamArn: this.o.streamArn,
        ShardId: shardId,
        ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return out.ShardIterator;
  }

  /**
   * Delivers a batch, retrying from the first reported failure, as the event source mapping does with
   * ReportBatchItemFailures (it checkpoints at the failed record). A record is dead-lettered after failing
   * `maxRetries` retries in a row; progress past it starts its successor's count afresh.
   */
  private async deliver(batch: DynamoDBRecord[]): Promise<void> {
    let pending = batch;
    const maxRetries = this.o.maxRetries ?? 3;
    for (let attempt = 0; pending.length > 0; attempt++) {
      let failedFrom = -1;
      try {
        const res = (await this.o.handler({ Records: pending })) as { batchItemFailures?: { itemIdentifier: string }[] } | undefined;
        const failures = res?.batchItemFailures ?? [];
        if (failures.length === 0) return;
        const ids = new Set(failures.map((f) => f.itemIdentifier));
        failedFrom = pending.findIndex((r) => ids.has(r.dynamodb!.SequenceNumber!));
        if (failedFrom < 0) failedFrom = 0;
      } catch (err) {
        this.o.onError?.(err);
        failedFrom = 0;
      }
      if (failedFrom > 0) attempt = 0;
      pending = pending.slice(failedFrom);
      if (attempt >= maxRetries) {
        if (this.o.deadLetterFile) {
          appendFileSync(this.o.deadLetterFile, `${JSON.stringify({ at: new Date().toISOString(), records: pending })}\n`);
        }
        return;
      }
      await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** attempt)));
    }
  }

  private saveCheckpoints(): void {
    const file = this.o.checkpointFile;
    if (!file) return;
    // Written aside and renamed over the old one: a rename is atomic, so the file is always whole.
    writeFileSync(`${file}.tmp`, JSON.stringify(this.checkpoints));
    renameSync(`${file}.tmp`, file);
  }
}

/** The saved positions; a file that is not a map of shard ids to sequence numbers is reported and ignored. */
function readCheckpoints(file: string, onError?: (err: unknown) => void): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && Object.values(parsed).every((v) => typeof v === 'string')) {
      return Object.fromEntries(Object.entries(parsed as Record<string, string>));
    }
    throw new Error('not a map of shard ids to sequence numbers');
  } catch (err) {
    onError?.(new Error(`The stream checkpoint file ${file} cannot be used (${(err as Error).message}): reading the stream again from its oldest record`));
    return {};
  }
}
