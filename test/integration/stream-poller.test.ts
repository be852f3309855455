// Proves the local stream poller's checkpoint: replaced atomically, resumed after a restart, and a damaged file is reported and
// recovered from (the stream is read again from its oldest record) instead of stopping `npm start`.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { putLocation } from '../../functions/core/commands/locations';
import { StreamPoller } from '../../lib/local/stream-poller';
import { createTestTable, type TestTable } from '../support/table';

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable();
});
afterAll(() => t.drop());

const poller = (checkpointFile: string, seen: string[], errors: string[]) =>
  new StreamPoller({
    endpoint: t.endpoint,
    streamArn: t.streamArn,
    checkpointFile,
    handler: async (e: DynamoDBStreamEvent) => {
      seen.push(...e.Records.map((r) => r.dynamodb!.Keys!.PK.S!));
    },
    onError: (err) => errors.push((err as Error).message),
  });
const drain = async (p: StreamPoller) => {
  for (let quiet = 0; quiet < 2; ) quiet = (await p.pollOnce()) === 0 ? quiet + 1 : 0;
  await p.stop();
};

test('resumes where it stopped, and a damaged checkpoint file means reading again from the start, not failing', async () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'poller-')), 'checkpoints.json');
  await putLocation(t.deps, 'loc-a', { name: 'A', type: 'warehouse' });
  const first: string[] = [];
  await drain(poller(file, first, []));
  expect(first).toEqual(['LOCATION#loc-a']);
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(expect.any(Object));
  expect(existsSync(`${file}.tmp`)).toBe(false);

  await putLocation(t.deps, 'loc-b', { name: 'B', type: 'warehouse' });
  const resumed: string[] = [];
  await drain(poller(file, resumed, []));
  expect(resumed).toEqual(['LOCATION#loc-b']);

  // What a crash in the middle of writing it in place would have left.
  writeFileSync(file, readFileSync(file, 'utf8').slice(0, 12));
  const errors: string[] = [];
  const again: string[] = [];
  await drain(poller(file, again, errors));
  expect(errors).toEqual([expect.stringContaining('cannot be used')]);
  expect(again).toEqual(['LOCATION#loc-a', 'LOCATION#loc-b']);
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(expect.any(Object));
});
