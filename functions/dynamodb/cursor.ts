/**
 * Page cursors: where a query stopped (its LastEvaluatedKey, or one per list when a page merges several),
 * as base64url JSON. A cursor is opaque to clients, and one this query did not issue — tampered, truncated,
 * from another list or for another variant — is refused with 400 `validation_failed` before it reaches
 * DynamoDB, which would answer a start key of the wrong shape or partition with a ValidationException.
 */
import { DomainError } from '../core/errors';
import type { Item } from './codec';
import { TABLE, type IndexDefinition } from './table-schema';

/** The keys a start key of a query must have, exactly, and the partition it must be in. */
export interface KeyShape {
  names: string[];
  partition: { name: string; value: string };
}

/** The start-key shape of a query on the table (index undefined) or on an index, in one partition. */
export const keyShape = (index: IndexDefinition | undefined, partition: string): KeyShape => ({
  names: [TABLE.partitionKey, TABLE.sortKey, ...(index ? [index.partitionKey, index.sortKey] : [])],
  partition: { name: index ? index.partitionKey : TABLE.partitionKey, value: partition },
});

export const encodeCursor = (state: unknown): string | null =>
  state === undefined || state === null ? null : Buffer.from(JSON.stringify(state)).toString('base64url');

const invalid = (): DomainError =>
  new DomainError('validation_failed', 'The cursor is not one this list issued.', { issues: [{ path: 'query.cursor', message: 'invalid cursor' }] });

/** Refuses a cursor whose content is not what the list issues. */
export const invalidCursor = (): never => {
  throw invalid();
};

/** The JSON inside a cursor (any shape: the caller checks it). */
export function cursorJson(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
}

/** A start key, if it has exactly the shape's keys, all strings, in the shape's partition; else 400. */
export function startKey(value: unknown, shape: KeyShape): Item {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw invalid();
  const key = value as Record<string, unknown>;
  const names = Object.keys(key).sort();
  const expected = [...shape.names].sort();
  const ok =
    names.length === expected.length &&
    names.every((n, i) => n === expected[i] && typeof key[n] === 'string') &&
    key[shape.partition.name] === shape.partition.value;
  if (!ok) throw invalid();
  return key;
}

/** A single query's cursor back to its start key (undefined: from the start). */
export const decodeKeyCursor = (cursor: string | undefined, shape: KeyShape): Item | undefined =>
  cursor === undefined ? undefined : startKey(cursorJson(cursor), shape);
