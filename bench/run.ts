/**
 * `npm run bench` (`-- --quick` for a short run): what each operation costs in DynamoDB requests and
 * capacity, how fast the service is through the local HTTP server next to the floor, a flash sale, and the
 * Lambda bundles' size and load time. Self-contained: starts the local assembly (in memory) and stops it.
 * Writes BENCHMARKS.md; each section lives in bench/sections/.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { startBench } from './context';
import { ROOT, writeReport } from './report';
import { bundles } from './sections/bundles';
import { costPerOperation } from './sections/cost';
import { costByLocations } from './sections/cost-by-locations';
import { flashSale } from './sections/flash-sale';
import { partitionLimitSimulation } from './sections/partition-limits';
import { latencyAgainstFloor } from './sections/latency';

/** What follows this line in BENCHMARKS.md is kept across runs: the figures of earlier runs, written by hand. */
export const NOTES_MARKER = '<!-- notes kept across runs: everything below is not rewritten by npm run bench -->';

function keptNotes(): string[] {
  const file = path.join(ROOT, 'BENCHMARKS.md');
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf(NOTES_MARKER);
  return at < 0 ? [] : text.slice(at).split('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const notes = keptNotes();
  const bench = await startBench(process.argv.includes('--quick'));
  const sections: string[][] = [];
  // `--only <name>` runs one section and prints it, leaving BENCHMARKS.md alone (for working on that section).
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
  if (only) {
    const one = {
      cost: costPerOperation,
      'cost-by-locations': costByLocations,
      latency: latencyAgainstFloor,
      'flash-sale': flashSale,
      'partition-limits': async (b: typeof bench) => (await partitionLimitSimulation(b)).section,
    }[only];
    try {
      if (!one) throw new Error(`--only: no section ${only}`);
      console.log((await one(bench)).join('\n'));
    } finally {
      await bench.close();
    }
    return;
  }
  try {
    sections.push(await costPerOperation(bench));
    sections.push(await costByLocations(bench));
    // The stream processor works off what the sections before wrote (alerts, catalog events for 500 locations' stock)
    // before latency is measured, so that it does not share the cores with the measured requests.
    bench.log('waiting for the stream processor to catch up…');
    await bench.local.streamsDrained(10 * 60_000);
    sections.push(await latencyAgainstFloor(bench));
    sections.push(await flashSale(bench));
    const simulation = await partitionLimitSimulation(bench);
    sections.push(simulation.section);
    bench.log('bundling with cdk synth…');
    sections.push(bundles());
  } finally {
    await bench.close();
  }
  bench.log(`wrote ${writeReport(sections, started, notes)}`);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
