/** Writing BENCHMARKS.md from the sections' tables, and the number formats they share. */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';

export const ROOT = path.join(__dirname, '..');

export const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))];
export const ms = (v: number): string => `${v.toFixed(1)} ms`;
export const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(2));
export const machine = (): string => {
  const all = cpus();
  return `${all.length} × ${all[0]?.model.trim() ?? 'CPU'}, Node ${process.version}`;
};

/** BENCHMARKS.md: a header saying when and how it was written, the sections in order, then the notes kept by hand below the marker. */
export function writeReport(sections: string[][], startedAt: number, notes: string[]): string {
  const header = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}, in ${Math.round((Date.now() - startedAt) / 1000)} s.`,
    'Request counts and capacity units are exact for a given code path; timings depend on the machine.',
    '',
  ];
  const file = path.join(ROOT, 'BENCHMARKS.md');
  writeFileSync(file, [...header, ...sections.flat(), ...notes].join('\n'));
  return file;
}
