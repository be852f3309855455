/**
 * The stream processor's filters are declared once (functions/streams/on-table-change.ts): the stack gives
 * them to the event source mapping, the local poller applies them with matchesFilter. These cases pin down
 * matchesFilter against records shaped as DynamoDB Streams delivers them.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { matchesFilter, STREAM_FILTERS } from '../../functions/streams/on-table-change';

const record = (r: Partial<DynamoDBRecord> & Record<string, unknown>): DynamoDBRecord => r as DynamoDBRecord;
const acted = (r: DynamoDBRecord) => STREAM_FILTERS.some((p) => matchesFilter(r, p));

const ttl = { type: 'Service', principalId: 'dynamodb.amazonaws.com' };
const cartImage = { pk: { S: 'CART#c1' }, entity: { S: 'Cart' } };

describe('the stream filters', () => {
  it('pass a cart removed by TTL, and not one deleted by a client', () => {
    expect(acted(record({ eventName: 'REMOVE', userIdentity: ttl, dynamodb: { OldImage: cartImage } }))).toBe(true);
    expect(acted(record({ eventName: 'REMOVE', dynamodb: { OldImage: cartImage } }))).toBe(false);
    expect(acted(record({ eventName: 'REMOVE', userIdentity: { type: 'Service', principalId: 'someone.else' }, dynamodb: { OldImage: cartImage } }))).toBe(false);
  });

  it('pass variant and alert writes, and not cart writes, ledger entries or removed variants', () => {
    const written = (entity: string, eventName: 'INSERT' | 'MODIFY' | 'REMOVE') =>
      record({ eventName, dynamodb: { NewImage: { entity: { S: entity } }, OldImage: { entity: { S: entity } } } });
    expect(acted(written('Variant', 'INSERT'))).toBe(true);
    expect(acted(written('Variant', 'MODIFY'))).toBe(true);
    expect(acted(written('Alert', 'MODIFY'))).toBe(true);
    expect(acted(written('Variant', 'REMOVE'))).toBe(false);
    expect(acted(written('Cart', 'MODIFY'))).toBe(false);
    expect(acted(written('Ledger', 'INSERT'))).toBe(false);
  });

  it('pass an audit requested over HTTP and a finding written, once each (their inserts), and not a scheduled audit or a finding repaired', () => {
    const audit = (trigger: string) => record({ eventName: 'INSERT', dynamodb: { NewImage: { entity: { S: 'Audit' }, trigger: { S: trigger } } } });
    expect(acted(audit('api'))).toBe(true);
    expect(acted(audit('schedule'))).toBe(false);
    expect(acted(record({ eventName: 'MODIFY', dynamodb: { NewImage: { entity: { S: 'Audit' }, trigger: { S: 'api' } } } }))).toBe(false);
    expect(acted(record({ eventName: 'INSERT', dynamodb: { NewImage: { entity: { S: 'AuditFinding' } } } }))).toBe(true);
    expect(acted(record({ eventName: 'MODIFY', dynamodb: { NewImage: { entity: { S: 'AuditFinding' } } } }))).toBe(false);
    expect(acted(record({ eventName: 'INSERT', dynamodb: { NewImage: { entity: { S: 'StockCount' } } } }))).toBe(false);
  });

  it('match a field only when it is present, of the listed value, as a string', () => {
    const pattern = { dynamodb: { NewImage: { entity: { S: ['Variant'] } } } };
    expect(matchesFilter({ dynamodb: { NewImage: { entity: { S: 'Variant' } } } }, pattern)).toBe(true);
    expect(matchesFilter({ dynamodb: { NewImage: { entity: { N: 'Variant' } } } }, pattern)).toBe(false);
    expect(matchesFilter({ dynamodb: { NewImage: {} } }, pattern)).toBe(false);
    expect(matchesFilter({ dynamodb: { NewImage: { entity: { S: ['Variant'] } } } }, pattern)).toBe(false);
    expect(matchesFilter(undefined, pattern)).toBe(false);
    // An inherited property is not a field of the record.
    expect(matchesFilter(Object.create({ dynamodb: { NewImage: { entity: { S: 'Variant' } } } }), pattern)).toBe(false);
  });
});
