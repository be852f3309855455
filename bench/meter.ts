/**
 * Counts DynamoDB requests and the capacity DynamoDB reports for them (ReturnConsumedCapacity), by an
 * SDK middleware on the client the service uses, and keeps each request's input so the benchmark can
 * replay exactly the same requests straight through the SDK (the floor).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface MeteredRequest {
  command: string;
  input: Record<string, unknown>;
  started: number;
  ended: number;
  read: number;
  write: number;
  failed: boolean;
}

const READ_COMMANDS = new Set(['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand', 'ScanCommand', 'TransactGetItemsCommand']);

export class Meter {
  requests: MeteredRequest[] = [];
  reset(): void {
    this.requests = [];
  }
}

type Capacity = { CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number };

export function meteredClients(endpoint: string, meter: Meter): { raw: DynamoDBClient; doc: DynamoDBDocumentClient } {
  const raw = new DynamoDBClient({ endpoint, region: 'us-east-1', maxAttempts: 5 });
  raw.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'TOTAL';
      const command = String(context.commandName);
      const entry: MeteredRequest = { command, input: structuredClone(input), started: performance.now(), ended: 0, read: 0, write: 0, failed: false };
      meter.requests.push(entry);
      try {
        const result = await next(args);
        const consumed = (result.output as { ConsumedCapacity?: Capacity | Capacity[] }).ConsumedCapacity;
        const total = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []).reduce((s, c) => s + (c.CapacityUnits ?? 0), 0);
        if (READ_COMMANDS.has(command)) entry.read = total;
        else entry.write = total;
        return result;
      } catch (err) {
        entry.failed = true;
        throw err;
      } finally {
        entry.ended = performance.now();
      }
    },
    // At the start of the serialize step: after the document client marshalled the input, before it is sent.
    { step: 'serialize', priority: 'high', name: 'capacityMeter' },
  );
  const doc = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  return { raw, doc };
}

/** Requests that overlapped in time form a group: the floor replays groups in order, each group's requests at once. */
export function groups(requests: MeteredRequest[]): MeteredRequest[][] {
  const out: MeteredRequest[][] = [];
  for (const r of [...requests].sort((a, b) => a.started - b.started)) {
    const last = out.at(-1);
    if (last && r.started < Math.min(...last.map((x) => x.ended))) last.push(r);
    else out.push([r]);
  }
  return out;
}
