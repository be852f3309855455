/**
 * Builds the back office's page (dashboard/) with the project's esbuild: one bundled script and the
 * static files, into `outDir`. The local server serves the result at /dashboard; the stack uploads it
 * to S3 behind CloudFront. `config` is written as config.json (the API's base URL; locally a token, in AWS the
 * operators' sign-in).
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import type { DashboardConfig } from '../dashboard/src/config';

const SOURCE = path.join(__dirname, '..', 'dashboard');

export function buildDashboard(outDir: string, config?: DashboardConfig): string {
  mkdirSync(outDir, { recursive: true });
  buildSync({
    entryPoints: [path.join(SOURCE, 'src', 'main.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2022'],
    outfile: path.join(outDir, 'app.js'),
    logLevel: 'silent',
  });
  for (const f of ['index.html', 'styles.css']) copyFileSync(path.join(SOURCE, f), path.join(outDir, f));
  if (config) writeFileSync(path.join(outDir, 'config.json'), JSON.stringify(config));
  return outDir;
}
