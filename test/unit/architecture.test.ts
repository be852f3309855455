/**
 * The shape of the code, as rules a change cannot break unnoticed: the Lambda code (functions/) never
 * reaches into the CDK app, the scripts or the tests, and the domain (functions/core) knows neither
 * DynamoDB, EventBridge nor HTTP (it talks to them through its ports).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

/** What a file imports (static, dynamic and re-exports), as repository paths for relative imports, else package names. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)].map(
    (m) => m[1] ?? m[2] ?? m[3],
  );
  return specifiers.map((s) => (s.startsWith('.') ? path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), s)) : s));
}

const functionFiles = sources('functions');

test('reads the imports it judges (a check that finds no imports would pass anything)', () => {
  expect(functionFiles.length).toBeGreaterThan(30);
  expect(importsOf('functions/http/respond.ts')).toEqual(expect.arrayContaining(['functions/http/errors']));
  expect(importsOf('lib/inventory-stack.ts')).toEqual(expect.arrayContaining(['functions/streams/on-table-change', 'aws-cdk-lib']));
});

test('nothing under functions/ imports from lib/, bin/, scripts/, bench/ or test/', () => {
  const outside = functionFiles.flatMap((f) =>
    importsOf(f)
      .filter((i) => /^(lib|bin|scripts|bench|test|dashboard)(\/|$)/.test(i))
      .map((i) => `${f} imports ${i}`),
  );
  expect(outside).toEqual([]);
});

test('the domain (functions/core) imports neither the adapters, the HTTP layer nor an AWS SDK', () => {
  const leaks = functionFiles
    .filter((f) => f.startsWith(path.join('functions', 'core')))
    .flatMap((f) =>
      importsOf(f)
        .filter((i) => /^functions\/(dynamodb|eventbridge|http|streams|schedule|commons)(\/|$)/.test(i) || /^@aws-sdk\/|^aws-lambda$|^@aws-lambda-powertools\//.test(i))
        .map((i) => `${f} imports ${i}`),
    );
  expect(leaks).toEqual([]);
});

test('only the Lambda entries load the X-Ray SDK (the Tracer): npm start, the tests and the benchmark never do', () => {
  const ENTRIES = ['http-api.ts', 'stream-processor.ts', 'sweeper.ts', 'auditor.ts'].map((f) => path.join('functions', f));
  const TRACING = path.join('functions', 'commons', 'tracing');
  const everywhere = [...functionFiles, ...['lib', 'bin', 'scripts', 'bench'].flatMap((d) => sources(d))];
  const loaders = everywhere.filter((f) =>
    importsOf(f).some((i) => i === TRACING || /^@aws-lambda-powertools\/tracer|^aws-xray-sdk/.test(i) || ENTRIES.includes(`${i}.ts`)),
  );
  expect(loaders.sort()).toEqual([...ENTRIES, `${TRACING}.ts`].sort());
});
