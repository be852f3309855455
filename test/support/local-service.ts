/** Runs `npm start`'s entry (bin/local.ts) as a child process for end-to-end tests, and stops it. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../lib/local/dynamodb-local';
import type { Role } from '../../functions/http/routes';
import { authorizationFor } from '../../lib/local/tokens';
import { createInventoryClient, type InventoryClient } from '../../clients/typescript';

export interface LocalService {
  url: string;
  /** The bearer tokens `npm start` wrote to <stateDir>/tokens.json. */
  tokens: Record<Role, string>;
  stateDir: string;
  output: () => string;
  env: Record<string, string>;
  stop(): Promise<number | null>;
}

const ROOT = path.join(__dirname, '..', '..');

export async function startLocalService(env: Record<string, string> = {}, stateDir?: string): Promise<LocalService> {
  const port = await freePort();
  const dir = stateDir ?? mkdtempSync(path.join(tmpdir(), 'inventory-e2e-'));
  const fullEnv = { PORT: String(port), LOCAL_STATE_DIR: dir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env };
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'bin/local.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...fullEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  // Up when the whole banner is out: stdout to a pipe is written in chunks, so its first line can arrive before the others.
  while (!/Ctrl-C stops everything/.test(out)) {
    if (child.exitCode !== null) throw new Error(`npm start exited: ${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`npm start did not come up: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = /listening on (http:\/\/\S+)/.exec(out)![1];
  return {
    url,
    tokens: JSON.parse(readFileSync(path.join(dir, 'tokens.json'), 'utf8')) as Record<Role, string>,
    stateDir: dir,
    env: fullEnv,
    output: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Java processes of DynamoDB Local whose command line names this state directory. */
export const javaProcessesFor = (stateDir: string): string[] =>
  (spawnSync('pgrep', ['-f', `DynamoDBLocal.jar.*${stateDir}`], { encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean);

export async function http(url: string, method: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

export async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Calls the service as the client whose role the route needs (its token from tokens.json). */
export function api(s: LocalService, p: string, method: string, body?: unknown, headers: Record<string, string> = {}) {
  return http(`${s.url}${p}`, method, body, { ...authorizationFor(s.tokens, method, p), ...headers });
}

/** The project's typed client (clients/typescript) as the role's client calls the service: its token from tokens.json. */
export const clientFor = (s: LocalService, role: Role): InventoryClient => createInventoryClient({ baseUrl: s.url, token: s.tokens[role] });

/** A typed call's data, or an error naming the status and the API's answer. */
export async function must<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw new Error(`${response.status} ${response.url}: ${JSON.stringify(error)}`);
  return data as T;
}
