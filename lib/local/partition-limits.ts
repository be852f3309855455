/**
 * Partition limits, simulated. DynamoDB Local has none; AWS caps every partition at 1,000 write units and 3,000
 * read units a second, whatever the table's mode, and throttles what goes past. This layer accounts what each
 * request consumes per partition key, by AWS's billing rules, and refuses a request that would take a partition
 * past its limit, so that a hot key shows locally what it does in AWS. Off unless PARTITION_LIMITS asks for it:
 *
 *   PARTITION_LIMITS="write=100,read=300,burst=off"     (or "on": the defaults)
 *
 * Built like the fault layer (faults.ts): an SDK middleware inside the client's retry loop, throwing errors shaped
 * as the SDK deserialises DynamoDB's, so the SDK's retries and the service's classification
 * (functions/dynamodb/sdk-errors.ts) treat them as AWS's.
 *
 * What it accounts (AWS: developerguide/read-write-operations.html, transaction-apis.html):
 *  - a write: 1 unit per KB of the item (rounded up, at least 1), the item's size being the larger of before and
 *    after (PutItem over an item, UpdateItem); a DeleteItem the size of the item deleted. A write whose condition
 *    fails is billed all the same, as AWS bills it;
 *  - TransactWriteItems: twice that per Put/Update/Delete; a ConditionCheck is a transactional read of its item:
 *    2 read units per 4 KB;
 *  - a read: 1 unit per 4 KB (rounded up, at least one block even when nothing is found) strongly consistent, half
 *    that eventually consistent, twice that in TransactGetItems. A Query is billed on the sum of the sizes of the
 *    items it reads, rounded up once; a BatchGetItem per item, each rounded up;
 *  - GSI partitions (decided: yes, unless `indexes=off`): each index entry written (an item that gains, loses or
 *    changes its entry) costs 1 write unit per KB of what the index projects, on the index partition of the entry
 *    (a key that moves is a delete on the old partition and a put on the new); never doubled by a transaction
 *    (AWS propagates to GSIs after the transaction). A Query or Scan of an index reads the index partition.
 *
 * Item sizes (AWS: developerguide/CapacityUnitCalculations.html), approximated: names and strings by their UTF-8
 * length, a number about 1 byte per 2 significant digits plus 1, binary by its length, a boolean or null 1, a map
 * or list 3 bytes plus 1 per element, a set the sum of its elements.
 *
 * How it knows the sizes: a write's item as it is before is read first (one strongly consistent BatchGetItem of the
 * keys it touches, through a separate client of its own, unaccounted and uninstrumented: the extra read is local
 * only, never billed); the item after an UpdateItem is computed from its UpdateExpression (SET, REMOVE, ADD,
 * DELETE; an expression it cannot parse is estimated as the item before plus every value the request carries). A
 * read's size is known only once it is done, as in DynamoDB: a read may start when its partitions have at least the
 * least it can cost (half a unit, one, or two per item), and is charged what it read afterwards, which may leave a
 * partition in debt for the next requests to wait out.
 *
 * The limits: a token bucket per partition (table partition key value, or index and its partition key value) for
 * writes and one for reads, refilled continuously at `writeUnitsPerSecond` / `readUnitsPerSecond`, holding one
 * second's worth, or with `burst` up to `burstSeconds` (300) of unused capacity. A request is admitted only if every
 * partition it touches has the units it needs; else the whole request is refused before it is applied, and
 * consumes nothing:
 *  - a single-item request: ThrottlingException, with the ThrottlingReasons AWS gives a hot key
 *    (`TableWriteKeyRangeThroughputExceeded`, `IndexWriteKeyRangeThroughputExceeded`, ...), which the SDK retries;
 *  - TransactWriteItems / TransactGetItems: TransactionCanceledException whose CancellationReasons carry
 *    `ThrottlingError` for each throttled item and `None` for the others (as AWS; the SDK does not retry it, and
 *    sdk-errors.ts makes it 429 `throttled`, retryable);
 *  - BatchGetItem: as AWS, the keys on throttled partitions come back in UnprocessedKeys (ThrottlingException
 *    only when all are); BatchWriteItem, which the service does not use, is refused whole (AWS would return
 *    UnprocessedItems).
 *
 * Not simulated: adaptive capacity and splits for heat (AWS isolates a hot item on its own partition, but a key's
 * limit stays 1,000 / 3,000), several keys sharing one physical partition, table-level and account-level limits,
 * on-demand's "twice the previous peak" ramp, PartiQL, and a Query's or Scan's items dropped by a FilterExpression
 * (billed by AWS, not seen here: the layer counts only the items returned). Note that AWS documents its burst
 * capacity as not relieving partition-level throttling: `burst=off` is the faithful setting for a hot key.
 */
import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { TABLE } from '../../functions/dynamodb/table-schema';

// ---------------------------------------------------------------- settings

export interface PartitionLimitSettings {
  /** Write units one partition takes per second. @default 100 (AWS's 1,000 WCU per partition, scaled down 10×) */
  writeUnitsPerSecond: number;
  /** Read units one partition takes per second. @default 300 (AWS's 3,000 RCU, scaled down 10×) */
  readUnitsPerSecond: number;
  /** Whether unused capacity accrues (up to `burstSeconds` of it) and can be spent at once. @default true */
  burst: boolean;
  /** How much unused capacity a partition keeps, in seconds of its limit. @default 300 (DynamoDB's burst) */
  burstSeconds: number;
  /** Whether GSI partitions are accounted and limited too (index writes and index reads). @default true */
  indexes: boolean;
  /** false: requests pass unaccounted (a test or benchmark pausing the layer). @default true */
  enabled: boolean;
}

export const DEFAULT_PARTITION_LIMITS: Readonly<PartitionLimitSettings> = Object.freeze({
  writeUnitsPerSecond: 100,
  readUnitsPerSecond: 300,
  burst: true,
  burstSeconds: 300,
  indexes: true,
  enabled: true,
});

const onOff = (key: string, raw: string): boolean => {
  const v = raw.toLowerCase();
  if (['on', 'true', 'yes', '1'].includes(v)) return true;
  if (['off', 'false', 'no', '0'].includes(v)) return false;
  throw new Error(`PARTITION_LIMITS: ${key} must be on or off, not "${raw}"`);
};

/**
 * Parses PARTITION_LIMITS: "write=<units/s>,read=<units/s>,burst=on|off|<seconds>,indexes=on|off", any of them
 * (the rest default), or "on" for the defaults; undefined when it is empty or "off". Anything else throws.
 */
export function parsePartitionLimits(spec: string | undefined): PartitionLimitSettings | undefined {
  const text = spec?.trim() ?? '';
  if (!text || text.toLowerCase() === 'off') return undefined;
  const s: PartitionLimitSettings = { ...DEFAULT_PARTITION_LIMITS };
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    if (['on', 'default', 'defaults'].includes(part.toLowerCase())) continue;
    const [key, raw = ''] = part.split('=').map((x) => x.trim());
    const n = Number(raw);
    switch (key) {
      case 'write':
      case 'read':
        if (!(raw !== '' && Number.isFinite(n) && n > 0)) throw new Error(`PARTITION_LIMITS: ${key} must be a positive number of units a second, not "${raw}"`);
        if (key === 'write') s.writeUnitsPerSecond = n;
        else s.readUnitsPerSecond = n;
        break;
      case 'burst':
        if (raw !== '' && Number.isInteger(n) && n > 0) {
          s.burst = true;
          s.burstSeconds = n;
        } else s.burst = onOff(key, raw);
        break;
      case 'indexes':
        s.indexes = onOff(key, raw);
        break;
      default:
        throw new Error(`PARTITION_LIMITS: unknown setting "${key}" (known: write, read, burst, indexes)`);
    }
  }
  return s;
}

// ---------------------------------------------------------------- item sizes and units

/** An AttributeValue as the SDK's (marshalled) requests and responses carry it. */
export interface AV {
  S?: string;
  N?: string;
  B?: Uint8Array;
  BOOL?: boolean;
  NULL?: boolean;
  SS?: string[];
  NS?: string[];
  BS?: Uint8Array[];
  M?: Record<string, AV>;
  L?: AV[];
}
export type Item = Record<string, AV>;

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

/** A number's size: about 1 byte per two significant digits (leading and trailing zeros trimmed), plus 1. */
export function numberSize(n: string): number {
  const digits = n.trim().replace(/^[-+]/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

export function valueSize(v: AV): number {
  if (v.S !== undefined) return utf8(v.S);
  if (v.N !== undefined) return numberSize(v.N);
  if (v.B !== undefined) return v.B.byteLength;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS) return v.SS.reduce((s, x) => s + utf8(x), 0);
  if (v.NS) return v.NS.reduce((s, x) => s + numberSize(x), 0);
  if (v.BS) return v.BS.reduce((s, x) => s + x.byteLength, 0);
  if (v.M) return 3 + Object.entries(v.M).reduce((s, [k, x]) => s + utf8(k) + valueSize(x) + 1, 0);
  if (v.L) return 3 + v.L.reduce((s, x) => s + valueSize(x) + 1, 0);
  return 1;
}

/** An item's size as DynamoDB bills it: each attribute's name plus its value. */
export const itemSize = (item: Item | undefined): number =>
  item ? Object.entries(item).reduce((s, [k, v]) => s + utf8(k) + valueSize(v), 0) : 0;

const AV_TAGS = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'SS', 'NS', 'BS', 'M', 'L']);
const isAV = (v: unknown): boolean => {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array || v instanceof Set) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && AV_TAGS.has(keys[0]);
};

/**
 * An item in AttributeValue form. Requests reach the layer marshalled, but responses of a DynamoDBDocumentClient
 * are already unmarshalled there (lib-dynamodb unmarshalls next to the deserializer): those are marshalled back
 * to be sized.
 */
export function asItem(item: unknown): Item | undefined {
  if (item === undefined || item === null) return undefined;
  const values = Object.values(item as object);
  return values.every(isAV) ? (item as Item) : (marshall(item as Record<string, unknown>, { convertClassInstanceToMap: true, removeUndefinedValues: true }) as Item);
}

/** Write units for `bytes`: 1 per KB, rounded up, at least 1; twice that in a transaction. */
export const writeUnits = (bytes: number, transactional = false): number => Math.max(1, Math.ceil(bytes / 1024)) * (transactional ? 2 : 1);

/** Read units for `bytes` read at once: 1 per 4 KB, rounded up, at least one block; half eventually consistent, twice transactional. */
export function readUnits(bytes: number, mode: 'strong' | 'eventual' | 'transactional'): number {
  const blocks = Math.max(1, Math.ceil(bytes / 4096));
  return mode === 'eventual' ? blocks / 2 : mode === 'transactional' ? 2 * blocks : blocks;
}

// ---------------------------------------------------------------- the table's shape

export interface IndexShape {
  name: string;
  partitionKey: string;
  sortKey?: string;
  projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  nonKeyAttributes?: readonly string[];
}
export interface TableShape {
  partitionKey: string;
  sortKey?: string;
  indexes: readonly IndexShape[];
}

/** The service's table (table-schema.ts): PK/SK, GSI1 (ALL) and GSI2 (KEYS_ONLY). */
export const SERVICE_TABLE: TableShape = {
  partitionKey: TABLE.partitionKey,
  sortKey: TABLE.sortKey,
  indexes: Object.values(TABLE.indexes).map((i) => ({ name: i.name, partitionKey: i.partitionKey, sortKey: i.sortKey, projection: i.projection })),
};

// ---------------------------------------------------------------- update expressions

type Segment = string | number;
type Operand =
  | { kind: 'value'; ref: string }
  | { kind: 'path'; path: Segment[] }
  | { kind: 'if_not_exists'; path: Segment[]; fallback: Expression }
  | { kind: 'list_append'; a: Operand; b: Operand };
type Expression = { left: Operand; op?: '+' | '-'; right?: Operand };
type Action =
  | { clause: 'SET'; path: Segment[]; value: Expression }
  | { clause: 'REMOVE'; path: Segment[] }
  | { clause: 'ADD' | 'DELETE'; path: Segment[]; ref: string };

const CLAUSES = new Set(['SET', 'REMOVE', 'ADD', 'DELETE']);

function tokenize(expr: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(#[\w]+|:[\w]+|[A-Za-z_][\w]*|\d+|[.[\](),=+-])/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < expr.length && (m = re.exec(expr))) {
    tokens.push(m[1]);
    at = re.lastIndex;
  }
  if (expr.slice(at).trim()) throw new Error(`cannot parse update expression at "${expr.slice(at)}"`);
  return tokens;
}

/** Parses an UpdateExpression into its actions (names still as written: placeholders resolve on evaluation). */
export function parseUpdateExpression(expr: string): Action[] {
  const t = tokenize(expr);
  let i = 0;
  const peek = () => t[i];
  const take = (want?: string) => {
    const tok = t[i++];
    if (tok === undefined || (want !== undefined && tok !== want)) throw new Error(`update expression: expected ${want ?? 'more'} at token ${i}`);
    return tok;
  };
  const path = (): Segment[] => {
    const segs: Segment[] = [take()];
    for (;;) {
      if (peek() === '.') {
        take();
        segs.push(take());
      } else if (peek() === '[') {
        take();
        segs.push(Number(take()));
        take(']');
      } else return segs;
    }
  };
  const operand = (): Operand => {
    const tok = peek();
    if (tok?.startsWith(':')) return { kind: 'value', ref: take() };
    if (t[i + 1] === '(' && /^(if_not_exists|list_append)$/i.test(tok ?? '')) {
      const fn = take().toLowerCase();
      take('(');
      if (fn === 'if_not_exists') {
        const p = path();
        take(',');
        const fallback = expression();
        take(')');
        return { kind: 'if_not_exists', path: p, fallback };
      }
      const a = operand();
      take(',');
      const b = operand();
      take(')');
      return { kind: 'list_append', a, b };
    }
    return { kind: 'path', path: path() };
  };
  const expression = (): Expression => {
    const left = operand();
    if (peek() === '+' || peek() === '-') {
      const op = take() as '+' | '-';
      return { left, op, right: operand() };
    }
    return { left };
  };
  const actions: Action[] = [];
  while (i < t.length) {
    const clause = take().toUpperCase();
    if (!CLAUSES.has(clause)) throw new Error(`update expression: unknown clause ${clause}`);
    do {
      if (peek() === ',') take(',');
      const p = path();
      if (clause === 'SET') {
        take('=');
        actions.push({ clause, path: p, value: expression() });
      } else if (clause === 'REMOVE') actions.push({ clause, path: p });
      else actions.push({ clause: clause as 'ADD' | 'DELETE', path: p, ref: take() });
    } while (peek() === ',');
  }
  return actions;
}

const clone = <T>(v: T): T => structuredClone(v);

/**
 * The item after an UpdateExpression, from the item before (undefined: a new item, made of its key). Every operand
 * reads the item as it was before, as in DynamoDB. Lenient where DynamoDB would refuse the request (an operand
 * that is not there counts as 0 or nothing): the layer only needs the size.
 */
export function applyUpdate(
  before: Item | undefined,
  key: Item,
  expression: string,
  names: Record<string, string> = {},
  values: Record<string, AV> = {},
): Item {
  const actions = parseUpdateExpression(expression);
  const original: Item = clone(before ?? key);
  const after: Item = clone(original);
  const name = (s: Segment): Segment => (typeof s === 'string' && s.startsWith('#') ? (names[s] ?? s) : s);
  const resolve = (p: Segment[]) => p.map(name);
  const get = (item: Item, p: Segment[]): AV | undefined => {
    let cur: AV | undefined = { M: item };
    for (const s of resolve(p)) cur = typeof s === 'number' ? cur?.L?.[s] : cur?.M?.[s];
    return cur;
  };
  const parentOf = (item: Item, p: Segment[], create: boolean): { container: AV; last: Segment } | undefined => {
    const segs = resolve(p);
    let cur: AV = { M: item };
    for (const s of segs.slice(0, -1)) {
      let next: AV | undefined = typeof s === 'number' ? cur.L?.[s] : cur.M?.[s];
      if (!next) {
        if (!create || typeof s === 'number' || !cur.M) return undefined;
        next = { M: {} };
        cur.M[s] = next;
      }
      cur = next;
    }
    return { container: cur, last: segs[segs.length - 1] };
  };
  const put = (p: Segment[], v: AV) => {
    const at = parentOf(after, p, true);
    if (!at) return;
    if (typeof at.last === 'number') {
      if (at.container.L) at.container.L[Math.min(at.last, at.container.L.length)] = v;
    } else if (at.container.M) at.container.M[at.last] = v;
  };
  const num = (v: AV | undefined): number => Number(v?.N ?? 0);
  const operand = (o: Operand): AV | undefined => {
    switch (o.kind) {
      case 'value':
        return values[o.ref];
      case 'path':
        return get(original, o.path);
      case 'if_not_exists':
        return get(original, o.path) ?? evaluate(o.fallback);
      case 'list_append':
        return { L: [...(operand(o.a)?.L ?? []), ...(operand(o.b)?.L ?? [])] };
    }
  };
  const evaluate = (e: Expression): AV | undefined => {
    const left = operand(e.left);
    if (!e.op || !e.right) return left;
    const right = operand(e.right);
    return { N: String(e.op === '+' ? num(left) + num(right) : num(left) - num(right)) };
  };
  // Values first (each from the item before), then the changes.
  const planned = actions.map((a) => (a.clause === 'SET' ? { a, v: evaluate(a.value) } : { a, v: a.clause === 'REMOVE' ? undefined : values[a.ref] }));
  for (const { a, v } of planned) {
    if (a.clause === 'SET') {
      if (v) put(a.path, clone(v));
    } else if (a.clause === 'REMOVE') {
      const at = parentOf(after, a.path, false);
      if (!at) continue;
      if (typeof at.last === 'number') at.container.L?.splice(at.last, 1);
      else if (at.container.M) delete at.container.M[at.last];
    } else if (v) {
      const current = get(after, a.path);
      const setOf = (x: AV | undefined) => x?.SS ?? x?.NS;
      if (a.clause === 'ADD') {
        if (v.N !== undefined) put(a.path, { N: String(num(current) + num(v)) });
        else if (v.SS) put(a.path, { SS: [...new Set([...(current?.SS ?? []), ...v.SS])] });
        else if (v.NS) put(a.path, { NS: [...new Set([...(current?.NS ?? []), ...v.NS])] });
        else if (v.BS) put(a.path, { BS: [...(current?.BS ?? []), ...v.BS] });
      } else if (current) {
        const gone = new Set(setOf(v) ?? []);
        if (current.SS) put(a.path, { SS: current.SS.filter((x) => !gone.has(x)) });
        else if (current.NS) put(a.path, { NS: current.NS.filter((x) => !gone.has(x)) });
      }
    }
  }
  return after;
}

/** An UpdateItem's item after it, or (an expression it cannot parse) an upper estimate: the item before plus every value and name the request carries. */
function afterUpdate(before: Item | undefined, key: Item, u: UpdateInput): Item {
  try {
    return applyUpdate(before, key, u.UpdateExpression ?? '', u.ExpressionAttributeNames, u.ExpressionAttributeValues);
  } catch {
    const extra: Item = {};
    const names = Object.values(u.ExpressionAttributeNames ?? {});
    Object.values(u.ExpressionAttributeValues ?? {}).forEach((v, i) => (extra[names[i] ?? `~${i}`] = v));
    return { ...(before ?? key), ...extra };
  }
}

// ---------------------------------------------------------------- charges

/** Units a request takes from one partition: a table partition (its key's value) or a GSI's (`index` set). */
export interface Charge {
  table: string;
  index?: string;
  partition: string;
  read: number;
  write: number;
  /** The transaction item (its position) the charge comes from. */
  item?: number;
}

interface UpdateInput {
  Key: Item;
  TableName: string;
  UpdateExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AV>;
}
interface TransactItem {
  Put?: { TableName: string; Item: Item };
  Update?: UpdateInput;
  Delete?: { TableName: string; Key: Item };
  ConditionCheck?: { TableName: string; Key: Item };
}
interface KeysAndAttributes {
  Keys: Item[];
  ConsistentRead?: boolean;
  [k: string]: unknown;
}

/** How a partition key value is named in counters: a string or number as it is, binary as base64. */
const label = (v: AV | undefined): string => v?.S ?? v?.N ?? (v?.B ? Buffer.from(v.B).toString('base64') : '?');
/** The same, for a value as a document client's response holds it (a string, a number, binary) or marshalled. */
const labelOf = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : isAV(v) ? label(v as AV) : String(v);

const keyOf = (item: Item, shape: TableShape): Item => {
  const k: Item = { [shape.partitionKey]: item[shape.partitionKey] };
  if (shape.sortKey && item[shape.sortKey]) k[shape.sortKey] = item[shape.sortKey];
  return k;
};
/** One item's identity in a table: its key attributes, by name. */
export const itemId = (table: string, key: Item): string =>
  `${table}\u0000${Object.keys(key)
    .sort()
    .map((k) => `${k}=${label(key[k])}`)
    .join('\u0000')}`;

/** The items before, by itemId (absent: the item does not exist). */
export type ItemsBefore = ReadonlyMap<string, Item | undefined>;

/** The table and key of every item a write touches (what the layer reads before it, to know their sizes). */
export function keysWritten(operation: string, input: Record<string, unknown>, shape: TableShape = SERVICE_TABLE): { table: string; key: Item }[] {
  const one = (table: string, itemOrKey: Item) => ({ table, key: keyOf(itemOrKey, shape) });
  switch (operation) {
    case 'PutItemCommand':
      return [one(input.TableName as string, input.Item as Item)];
    case 'UpdateItemCommand':
    case 'DeleteItemCommand':
      return [one(input.TableName as string, input.Key as Item)];
    case 'TransactWriteItemsCommand':
      return ((input.TransactItems as TransactItem[]) ?? []).map((a) => {
        if (a.Put) return one(a.Put.TableName, a.Put.Item);
        const x = (a.Update ?? a.Delete ?? a.ConditionCheck)!;
        return one(x.TableName, x.Key);
      });
    case 'BatchWriteItemCommand':
      return Object.entries((input.RequestItems as Record<string, { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]>) ?? {}).flatMap(([table, reqs]) =>
        reqs.map((r) => one(table, r.PutRequest?.Item ?? r.DeleteRequest!.Key)),
      );
    default:
      return [];
  }
}

/** What an index holds of an item (undefined: the item is not in the index, lacking one of its keys). */
function indexEntry(item: Item | undefined, index: IndexShape, shape: TableShape): Item | undefined {
  if (!item || !item[index.partitionKey] || (index.sortKey && !item[index.sortKey])) return undefined;
  if (index.projection === 'ALL') return item;
  const names = [shape.partitionKey, shape.sortKey, index.partitionKey, index.sortKey, ...(index.projection === 'INCLUDE' ? (index.nonKeyAttributes ?? []) : [])];
  const entry: Item = {};
  for (const n of names) if (n && item[n]) entry[n] = item[n];
  return entry;
}

const sameValue = (a: AV | undefined, b: AV | undefined): boolean => JSON.stringify(a) === JSON.stringify(b);
const sameItem = (a: Item, b: Item): boolean => {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameValue(a[k], b[k]));
};

/**
 * The write units of one item's change (before → after, undefined when it is not there) on its table partition
 * and on the GSI partitions of its entries. The table write is billed on the larger of before and after.
 */
export function itemWriteCharges(
  table: string,
  before: Item | undefined,
  after: Item | undefined,
  options: { transactional?: boolean; item?: number; shape?: TableShape; indexes?: boolean } = {},
): Charge[] {
  const shape = options.shape ?? SERVICE_TABLE;
  const partition = label((after ?? before)?.[shape.partitionKey]);
  const bytes = Math.max(itemSize(before), itemSize(after));
  const charges: Charge[] = [{ table, partition, read: 0, write: writeUnits(bytes, options.transactional), item: options.item }];
  if (options.indexes === false) return charges;
  for (const index of shape.indexes) {
    const old = indexEntry(before, index, shape);
    const next = indexEntry(after, index, shape);
    const onIndex = (entry: Item, units: number): Charge => ({ table, index: index.name, partition: label(entry[index.partitionKey]), read: 0, write: units, item: options.item });
    if (old && next) {
      const moved = !sameValue(old[index.partitionKey], next[index.partitionKey]) || (index.sortKey !== undefined && !sameValue(old[index.sortKey], next[index.sortKey]));
      if (moved) charges.push(onIndex(old, writeUnits(itemSize(old))), onIndex(next, writeUnits(itemSize(next))));
      else if (!sameItem(old, next)) charges.push(onIndex(next, writeUnits(Math.max(itemSize(old), itemSize(next)))));
    } else if (old) charges.push(onIndex(old, writeUnits(itemSize(old))));
    else if (next) charges.push(onIndex(next, writeUnits(itemSize(next))));
  }
  return charges;
}

/** The charges of a write request, given the items it touches as they are before it. */
export function writeCharges(operation: string, input: Record<string, unknown>, before: ItemsBefore, shape: TableShape = SERVICE_TABLE, indexes = true): Charge[] {
  const prior = (table: string, itemOrKey: Item) => before.get(itemId(table, keyOf(itemOrKey, shape)));
  const o = { shape, indexes };
  switch (operation) {
    case 'PutItemCommand': {
      const item = input.Item as Item;
      return itemWriteCharges(input.TableName as string, prior(input.TableName as string, item), item, o);
    }
    case 'UpdateItemCommand': {
      const u = input as unknown as UpdateInput;
      const b = prior(u.TableName, u.Key);
      return itemWriteCharges(u.TableName, b, afterUpdate(b, u.Key, u), o);
    }
    case 'DeleteItemCommand': {
      const table = input.TableName as string;
      const key = input.Key as Item;
      const b = prior(table, key);
      return b ? itemWriteCharges(table, b, undefined, o) : [{ table, partition: label(key[shape.partitionKey]), read: 0, write: writeUnits(0) }];
    }
    case 'TransactWriteItemsCommand':
      return ((input.TransactItems as TransactItem[]) ?? []).flatMap((a, item): Charge[] => {
        const t = { ...o, transactional: true, item };
        if (a.Put) return itemWriteCharges(a.Put.TableName, prior(a.Put.TableName, a.Put.Item), a.Put.Item, t);
        if (a.Update) {
          const b = prior(a.Update.TableName, a.Update.Key);
          return itemWriteCharges(a.Update.TableName, b, afterUpdate(b, a.Update.Key, a.Update), t);
        }
        if (a.Delete) {
          const b = prior(a.Delete.TableName, a.Delete.Key);
          return b ? itemWriteCharges(a.Delete.TableName, b, undefined, t) : [{ table: a.Delete.TableName, partition: label(a.Delete.Key[shape.partitionKey]), read: 0, write: writeUnits(0, true), item }];
        }
        const c = a.ConditionCheck!;
        // A ConditionCheck writes nothing: a transactional read of its item, 2 read units per 4 KB.
        return [{ table: c.TableName, partition: label(c.Key[shape.partitionKey]), read: readUnits(itemSize(prior(c.TableName, c.Key)), 'transactional'), write: 0, item }];
      });
    case 'BatchWriteItemCommand':
      return Object.entries((input.RequestItems as Record<string, { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]>) ?? {}).flatMap(([table, reqs]) =>
        reqs.flatMap((r) => {
          if (r.PutRequest) return itemWriteCharges(table, prior(table, r.PutRequest.Item), r.PutRequest.Item, o);
          const b = prior(table, r.DeleteRequest!.Key);
          return b ? itemWriteCharges(table, b, undefined, o) : [{ table, partition: label(r.DeleteRequest!.Key[shape.partitionKey]), read: 0, write: 1 }];
        }),
      );
    default:
      return [];
  }
}

/** The partition key value a Query names (KeyConditionExpression `#pk = :v`, or the legacy KeyConditions). */
function queryPartition(input: Record<string, unknown>, attribute: string): AV | undefined {
  const legacy = (input.KeyConditions as Record<string, { AttributeValueList?: AV[] }> | undefined)?.[attribute];
  if (legacy) return legacy.AttributeValueList?.[0];
  const expr = (input.KeyConditionExpression as string | undefined) ?? '';
  const names = (input.ExpressionAttributeNames as Record<string, string> | undefined) ?? {};
  const values = (input.ExpressionAttributeValues as Record<string, AV> | undefined) ?? {};
  const resolve = (n: string) => (n.startsWith('#') ? names[n] : n);
  for (const m of expr.matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) if (resolve(m[1]) === attribute) return values[m[2]];
  for (const m of expr.matchAll(/(:\w+)\s*=\s*([#\w]+)/g)) if (resolve(m[2]) === attribute) return values[m[1]];
  return undefined;
}

const consistency = (input: { ConsistentRead?: boolean }): 'strong' | 'eventual' => (input.ConsistentRead ? 'strong' : 'eventual');

/**
 * The charges of a read. Before it runs (`output` undefined): the least it can cost, per partition (what must be
 * there for it to start; a Scan's partitions are not known before). After (`output` given): what it read.
 */
export function readCharges(operation: string, input: Record<string, unknown>, output?: Record<string, unknown>, shape: TableShape = SERVICE_TABLE, indexes = true): Charge[] {
  const table = input.TableName as string;
  switch (operation) {
    case 'GetItemCommand':
      return [{ table, partition: label((input.Key as Item)[shape.partitionKey]), read: readUnits(itemSize(asItem(output?.Item)), consistency(input)), write: 0 }];
    case 'BatchGetItemCommand': {
      const found = new Map<string, Item>();
      for (const [t, items] of Object.entries((output?.Responses as Record<string, unknown[]>) ?? {})) {
        for (const it of items.map(asItem)) if (it) found.set(itemId(t, keyOf(it, shape)), it);
      }
      const unprocessed = new Set<string>();
      for (const [t, ka] of Object.entries((output?.UnprocessedKeys as Record<string, KeysAndAttributes>) ?? {})) for (const k of ka.Keys) unprocessed.add(itemId(t, asItem(k)!));
      return Object.entries((input.RequestItems as Record<string, KeysAndAttributes>) ?? {}).flatMap(([t, ka]) =>
        ka.Keys.filter((k) => !unprocessed.has(itemId(t, k))).map((k) => ({
          table: t,
          partition: label(k[shape.partitionKey]),
          read: readUnits(itemSize(found.get(itemId(t, k))), consistency(ka)),
          write: 0,
        })),
      );
    }
    case 'TransactGetItemsCommand': {
      const responses = (output?.Responses as { Item?: unknown }[] | undefined) ?? [];
      return ((input.TransactItems as { Get: { TableName: string; Key: Item } }[]) ?? []).map((g, i) => ({
        table: g.Get.TableName,
        partition: label(g.Get.Key[shape.partitionKey]),
        read: readUnits(itemSize(asItem(responses[i]?.Item)), 'transactional'),
        write: 0,
        item: i,
      }));
    }
    case 'QueryCommand': {
      const index = input.IndexName ? shape.indexes.find((i) => i.name === input.IndexName) : undefined;
      if (input.IndexName && (!index || !indexes)) return [];
      const pk = queryPartition(input, index ? index.partitionKey : shape.partitionKey);
      const bytes = ((output?.Items as unknown[] | undefined) ?? []).reduce((s: number, it) => s + itemSize(asItem(it)), 0);
      // GSIs are read eventually consistent only.
      return [{ table, ...(index ? { index: index.name } : {}), partition: label(pk), read: readUnits(bytes, index ? 'eventual' : consistency(input)), write: 0 }];
    }
    case 'ScanCommand': {
      const index = input.IndexName ? shape.indexes.find((i) => i.name === input.IndexName) : undefined;
      if (!output || (input.IndexName && (!index || !indexes))) return [];
      const bytes = new Map<string, number>();
      for (const it of ((output.Items as unknown[] | undefined) ?? []).map(asItem) as Item[]) {
        const p = label(it[index ? index.partitionKey : shape.partitionKey]);
        bytes.set(p, (bytes.get(p) ?? 0) + itemSize(it));
      }
      return [...bytes].map(([partition, b]) => ({ table, ...(index ? { index: index.name } : {}), partition, read: readUnits(b, index ? 'eventual' : consistency(input)), write: 0 }));
    }
    default:
      return [];
  }
}

// ---------------------------------------------------------------- the buckets

class Bucket {
  constructor(
    public tokens: number,
    public at: number,
  ) {}

  refill(now: number, rate: number, capacity: number): void {
    if (now > this.at) this.tokens = Math.min(capacity, this.tokens + (rate * (now - this.at)) / 1000);
    else this.tokens = Math.min(capacity, this.tokens);
    this.at = Math.max(this.at, now);
  }

  /** Whether `units` may be taken: there are that many, or the bucket is full (a request larger than the bucket can then go, into debt). */
  allows(units: number, capacity: number): boolean {
    return units <= 0 || this.tokens >= units - 1e-9 || this.tokens >= capacity - 1e-9;
  }
}

export interface PartitionUsage {
  table: string;
  /** The GSI, for an index partition. */
  index?: string;
  /** The partition key's value. */
  partition: string;
  readUnits: number;
  writeUnits: number;
  /** Requests refused because this partition was over its limit. */
  throttled: number;
}

export interface PartitionCounters {
  /** Requests admitted and accounted (every SDK attempt is a request). */
  requests: number;
  /**
   * Requests refused (every SDK attempt: the SDK's retry of a refused one is another request), whole or, for a
   * BatchGetItem that returned some keys unprocessed, in part (that one is also counted in `requests`).
   */
  throttledRequests: number;
  /** Refused requests by operation (`TransactWriteItems`, `GetItem`, ...). */
  throttledByOperation: Record<string, number>;
  readUnits: number;
  writeUnits: number;
  /** Per partition, most units first. */
  partitions: PartitionUsage[];
}

const bucketKey = (c: Pick<Charge, 'table' | 'index' | 'partition'>): string => `${c.table}\u0000${c.index ?? ''}\u0000${c.partition}`;

/** The token buckets and counters, without the SDK: what the middleware asks, and what the unit tests drive. */
export class PartitionLimiter {
  private readonly buckets = new Map<string, { read: Bucket; write: Bucket }>();
  private usage = new Map<string, PartitionUsage>();
  private totals = { requests: 0, throttledRequests: 0, readUnits: 0, writeUnits: 0 };
  private byOperation: Record<string, number> = {};

  constructor(
    /** Read on every request: a change applies from the next one. */
    readonly settings: PartitionLimitSettings = { ...DEFAULT_PARTITION_LIMITS },
    /** The time in ms the buckets refill by. @default Date.now */
    readonly now: () => number = Date.now,
  ) {}

  private capacity(rate: number): number {
    return rate * (this.settings.burst ? Math.max(1, this.settings.burstSeconds) : 1);
  }

  private bucketsOf(key: string, now: number) {
    const { readUnitsPerSecond: r, writeUnitsPerSecond: w } = this.settings;
    let b = this.buckets.get(key);
    // A partition first seen has one second's worth: unused capacity accrues from then.
    if (!b) this.buckets.set(key, (b = { read: new Bucket(r, now), write: new Bucket(w, now) }));
    b.read.refill(now, r, this.capacity(r));
    b.write.refill(now, w, this.capacity(w));
    return b;
  }

  private usageOf(c: Charge): PartitionUsage {
    const key = bucketKey(c);
    let u = this.usage.get(key);
    if (!u) this.usage.set(key, (u = { table: c.table, ...(c.index ? { index: c.index } : {}), partition: c.partition, readUnits: 0, writeUnits: 0, throttled: 0 }));
    return u;
  }

  /** The charges on partitions that cannot take them now (each partition's charges summed). Consumes nothing. */
  over(charges: Charge[]): Charge[] {
    const now = this.now();
    const sums = new Map<string, { read: number; write: number }>();
    for (const c of charges) {
      const s = sums.get(bucketKey(c)) ?? { read: 0, write: 0 };
      s.read += c.read;
      s.write += c.write;
      sums.set(bucketKey(c), s);
    }
    const overKeys = new Set<string>();
    for (const [key, s] of sums) {
      const b = this.bucketsOf(key, now);
      if (!b.write.allows(s.write, this.capacity(this.settings.writeUnitsPerSecond)) || !b.read.allows(s.read, this.capacity(this.settings.readUnitsPerSecond))) overKeys.add(key);
    }
    return charges.filter((c) => overKeys.has(bucketKey(c)));
  }

  /** Takes the units, whatever the buckets hold (a read's cost once known may leave a partition in debt). */
  consume(charges: Charge[]): void {
    const now = this.now();
    for (const c of charges) {
      const b = this.bucketsOf(bucketKey(c), now);
      b.read.tokens -= c.read;
      b.write.tokens -= c.write;
      const u = this.usageOf(c);
      u.readUnits += c.read;
      u.writeUnits += c.write;
      this.totals.readUnits += c.read;
      this.totals.writeUnits += c.write;
    }
  }

  /** Counts a refused request, against the partitions that refused it. */
  refused(operation: string, over: Charge[]): void {
    this.totals.throttledRequests++;
    this.byOperation[operation] = (this.byOperation[operation] ?? 0) + 1;
    for (const key of new Set(over.map(bucketKey))) this.usageOf(over.find((c) => bucketKey(c) === key)!).throttled++;
  }

  /** Counts an admitted request. */
  admitted(): void {
    this.totals.requests++;
  }

  /**
   * A request whose cost is known before it runs (a write): admitted and charged if every partition can take its
   * units, else refused whole and charged nothing. Returns the charges on partitions over their limit (empty: admitted).
   */
  admit(operation: string, charges: Charge[]): Charge[] {
    const over = this.over(charges);
    if (over.length) {
      this.refused(operation, over);
      return over;
    }
    this.consume(charges);
    this.admitted();
    return [];
  }

  counters(): PartitionCounters {
    return {
      ...this.totals,
      throttledByOperation: { ...this.byOperation },
      partitions: [...this.usage.values()].map((u) => ({ ...u })).sort((a, b) => b.writeUnits + b.readUnits - (a.writeUnits + a.readUnits) || b.throttled - a.throttled),
    };
  }

  /** Forgets the counters and the buckets (every partition starts again with one second's worth). */
  reset(): void {
    this.buckets.clear();
    this.usage = new Map();
    this.totals = { requests: 0, throttledRequests: 0, readUnits: 0, writeUnits: 0 };
    this.byOperation = {};
  }
}

// ---------------------------------------------------------------- errors, as the SDK deserialises DynamoDB's

const THROTTLED_MESSAGE =
  'Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly. If exceptions persist, check if you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html. (simulated partition limit)';

const serviceError = (name: string, message: string, extra: Record<string, unknown>): Error =>
  Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 }, ...extra });

const arn = (c: Charge) => `arn:aws:dynamodb:ddblocal:000000000000:table/${c.table}${c.index ? `/index/${c.index}` : ''}`;

const reasons = (over: Charge[], kind: 'Read' | 'Write') =>
  [...new Map(over.map((c) => [`${c.index ? 'Index' : 'Table'}${kind}KeyRangeThroughputExceeded ${arn(c)}`, { reason: `${c.index ? 'Index' : 'Table'}${kind}KeyRangeThroughputExceeded`, resource: arn(c) }])).values()];

/** ThrottlingException, with the ThrottlingReasons AWS gives a hot key. */
export const throttlingException = (over: Charge[], kind: 'Read' | 'Write'): Error =>
  serviceError('ThrottlingException', THROTTLED_MESSAGE, { throttlingReasons: reasons(over, kind) });

/** A transaction refused for throttling, as AWS refuses it: cancelled, `ThrottlingError` for each item throttled, `None` for the rest. */
export function transactionThrottled(items: number, over: Charge[]): Error {
  const throttled = new Set(over.map((c) => c.item));
  const CancellationReasons = Array.from({ length: items }, (_, i) => (throttled.has(i) ? { Code: 'ThrottlingError', Message: THROTTLED_MESSAGE } : { Code: 'None' }));
  return serviceError('TransactionCanceledException', `Transaction cancelled, please refer cancellation reasons for specific reasons [${CancellationReasons.map((r) => r.Code).join(', ')}]`, {
    CancellationReasons,
  });
}

// ---------------------------------------------------------------- the middleware

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'TransactWriteItemsCommand', 'BatchWriteItemCommand']);
const READS = new Set(['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand', 'ScanCommand', 'TransactGetItemsCommand']);

/** Reads items by key (strongly consistent), unaccounted: how the layer learns a write's items before it. */
export type ItemReader = (keys: { table: string; key: Item }[]) => Promise<Map<string, Item | undefined>>;

export interface PartitionLimitOptions extends Partial<PartitionLimitSettings> {
  /** The clock the buckets refill by, in ms. @default Date.now */
  now?: () => number;
  /** How the items a write touches are read before it. @default BatchGetItem through a client of its own, to the same endpoint */
  readItems?: ItemReader;
  /** The table's keys and indexes. @default the service's table (table-schema.ts) */
  shape?: TableShape;
}

/** What limitPartitions returns: the settings (mutable), the counters, and a reset. */
export interface PartitionLimits {
  /** The limits in force; a change applies from the next request. */
  readonly settings: PartitionLimitSettings;
  counters(): PartitionCounters;
  /** Forgets the counters and every partition's bucket. */
  reset(): void;
  /** Stops the layer's own reader client (if it made one). */
  close(): void;
}

/** lib-dynamodb marks its requests so (the `DDB_MAPPER` feature): only needed when a response holds no item to tell its form by. */
type DocumentContext = { __aws_sdk_context?: { features?: Record<string, string> } };

type Limitable = Pick<DynamoDBDocumentClient, 'middlewareStack' | 'config'>;
const limited = new WeakMap<object, PartitionLimits>();

/** The layer on a client, if it has one (npm start's, wired by PARTITION_LIMITS). */
export const partitionLimitsOf = (client: object): PartitionLimits | undefined => limited.get(client);

/** The default reader: BatchGetItem, 100 keys a request, through a plain client to the same endpoint (no faults, no tracing, no limits). */
function readerFor(client: Limitable): { read: ItemReader; close(): void } {
  let raw: DynamoDBClient | undefined;
  const cfg = client.config as unknown as { region: unknown; endpoint?: unknown; credentials: unknown };
  const read: ItemReader = async (keys) => {
    raw ??= new DynamoDBClient({
      region: cfg.region as string,
      credentials: cfg.credentials as never,
      ...(cfg.endpoint ? { endpoint: cfg.endpoint as string } : {}),
      maxAttempts: 5,
    });
    const found = new Map<string, Item | undefined>();
    const unique = [...new Map(keys.map((k) => [itemId(k.table, k.key), k])).values()];
    for (let i = 0; i < unique.length; i += 100) {
      let request: Record<string, KeysAndAttributes> | undefined = {};
      for (const k of unique.slice(i, i + 100)) (request[k.table] ??= { Keys: [], ConsistentRead: true }).Keys.push(k.key);
      for (let attempt = 0; request && Object.keys(request).length && attempt < 10; attempt++) {
        const out = await raw.send(new BatchGetItemCommand({ RequestItems: request as never }));
        for (const [t, items] of Object.entries(out.Responses ?? {})) for (const it of items as Item[]) found.set(itemId(t, keyOfAny(it, k0(unique, t))), it);
        request = out.UnprocessedKeys as Record<string, KeysAndAttributes> | undefined;
      }
    }
    return found;
  };
  return { read, close: () => raw?.destroy() };
}
/** A requested key of table `t` (its attribute names tell which of a found item's attributes are its key). */
const k0 = (keys: { table: string; key: Item }[], t: string): Item => keys.find((k) => k.table === t)!.key;
const keyOfAny = (item: Item, like: Item): Item => Object.fromEntries(Object.keys(like).map((n) => [n, item[n]]));

/**
 * Simulates DynamoDB's per-partition limits on a client's requests (see the module comment). Returns the handle a
 * benchmark reads: `counters()` (throttled requests, units per partition), `reset()`, `settings`. On a client that
 * already has the layer, applies the settings given and returns the same handle.
 */
export function limitPartitions(client: Limitable, options: PartitionLimitOptions = {}): PartitionLimits {
  const { now, readItems, shape = SERVICE_TABLE, ...given } = options;
  const settingsGiven = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as Partial<PartitionLimitSettings>;
  const existing = limited.get(client);
  if (existing) {
    Object.assign(existing.settings, settingsGiven);
    return existing;
  }
  const limiter = new PartitionLimiter({ ...DEFAULT_PARTITION_LIMITS, ...settingsGiven }, now ?? Date.now);
  const own = readItems ? undefined : readerFor(client);
  const read = readItems ?? own!.read;

  client.middlewareStack.add(
    ((next: (args: { input: object }) => Promise<{ output: unknown }>, context: { commandName?: string }) => async (args: { input: object }) => {
      const command = context.commandName ?? '';
      const operation = command.replace(/Command$/, '');
      if (!limiter.settings.enabled || (!WRITES.has(command) && !READS.has(command))) return next(args);
      const input = args.input as Record<string, unknown>;
      const { indexes } = limiter.settings;

      if (WRITES.has(command)) {
        const keys = keysWritten(command, input, shape);
        const before = keys.length ? await read(keys) : new Map<string, Item | undefined>();
        const charges = writeCharges(command, input, before, shape, indexes);
        const over = limiter.admit(operation, charges);
        if (over.length) {
          throw command === 'TransactWriteItemsCommand'
            ? transactionThrottled(((input.TransactItems as unknown[]) ?? []).length, over)
            : throttlingException(over, over.some((c) => c.write > 0) ? 'Write' : 'Read');
        }
        return next(args);
      }

      // A read: it may start if its partitions have the least it can cost; it is charged what it read.
      const least = readCharges(command, input, undefined, shape, indexes);
      if (command === 'BatchGetItemCommand') return batchGet(next, args, input, least, (context as DocumentContext).__aws_sdk_context?.features?.DDB_MAPPER === 'd');
      const over = limiter.over(least);
      if (over.length) {
        limiter.refused(operation, over);
        throw command === 'TransactGetItemsCommand' ? transactionThrottled(((input.TransactItems as unknown[]) ?? []).length, over) : throttlingException(over, 'Read');
      }
      const result = await next(args);
      limiter.consume(readCharges(command, input, result.output as Record<string, unknown>, shape, indexes));
      limiter.admitted();
      return result;
    }) as never,
    { step: 'deserialize', name: 'inventoryPartitionLimits', priority: 'high' },
  );

  /** BatchGetItem as AWS throttles it: the keys on partitions over their limit come back unprocessed; all of them, ThrottlingException. */
  async function batchGet(next: (args: { input: object }) => Promise<{ output: unknown }>, args: { input: object }, input: Record<string, unknown>, least: Charge[], documentClientRequest: boolean) {
    const over = limiter.over(least);
    if (over.length === least.length && least.length > 0) {
      limiter.refused('BatchGetItem', over);
      throw throttlingException(over, 'Read');
    }
    const result = await next(args);
    const output = result.output as Record<string, unknown>;
    if (over.length) {
      const overKeys = new Set(over.map(bucketKey));
      const requested = input.RequestItems as Record<string, KeysAndAttributes>;
      const responses = (output.Responses ?? {}) as Record<string, Record<string, unknown>[]>;
      const unprocessed = { ...((output.UnprocessedKeys ?? {}) as Record<string, { Keys: unknown[] }>) };
      // The response's form: a document client's is unmarshalled (the keys handed back must be too).
      const first = Object.values(responses).flat()[0];
      const documentForm = first ? !Object.values(first).every(isAV) : documentClientRequest;
      for (const [table, ka] of Object.entries(requested)) {
        const held = (k: Record<string, unknown>) => overKeys.has(bucketKey({ table, partition: labelOf(k[shape.partitionKey]) }));
        const heldKeys = ka.Keys.filter(held);
        if (!heldKeys.length) continue;
        const { Keys: _marshalled, ...rest } = ka;
        unprocessed[table] = { ...rest, Keys: [...(unprocessed[table]?.Keys ?? []), ...heldKeys.map((k) => (documentForm ? unmarshall(k as never) : k))] };
        responses[table] = (responses[table] ?? []).filter((it) => !held(it));
      }
      output.Responses = responses;
      output.UnprocessedKeys = unprocessed;
      limiter.refused('BatchGetItem', over);
    }
    limiter.consume(readCharges('BatchGetItemCommand', input, output, shape, limiter.settings.indexes));
    limiter.admitted();
    return result;
  }

  const handle: PartitionLimits = {
    settings: limiter.settings,
    counters: () => limiter.counters(),
    reset: () => limiter.reset(),
    close: () => own?.close(),
  };
  limited.set(client, handle);
  return handle;
}
