/**
 * Section 3: a flash sale, many shoppers at once for few units, through HTTP: none oversold, every shopper answered, and
 * none refused while units remained. Run on one variant-location as it is, and as a hot location with 10 buckets.
 */
import type { Bench } from '../context';
import { ms, pct } from '../report';

const HOT_BUCKETS = 10;

export async function flashSale(bench: Bench): Promise<string[]> {
  const { N, log } = bench;
  log('flash sale…');
  const rows = [await sale(bench, 'flash', 1), await sale(bench, 'flash-hot', HOT_BUCKETS)];
  return [
    '## 3. Flash sale',
    '',
    `${N.shoppers} shoppers add the same variant to their carts at once, through HTTP, for ${N.units} units in stock at one location:`,
    `as it is, and as a hot location with ${HOT_BUCKETS} buckets (\`hotLocations\`, docs/scaling.md). "Refused" is 409`,
    '`insufficient_stock`; a refusal while units remained would show as fewer holds granted than units.',
    '',
    '| location | shoppers | units | holds granted | refused (409) | other | oversold | softReserved after | available after | p50 | p99 | wall time |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ];
}

async function sale({ httpCall, authHeader, local, N, log }: Bench, variantId: string, buckets: number): Promise<string> {
  await httpCall('POST', '/stock/adjustments', { variantId, locationId: 'wh-1', onHand: N.units, reason: 'flash sale stock' });
  if (buckets > 1) await httpCall('PUT', `/variants/${variantId}`, { hotLocations: { 'wh-1': buckets } });
  const start = performance.now();
  const results = await Promise.all(
    Array.from({ length: N.shoppers }, async (_, i) => {
      const t0 = performance.now();
      const res = await fetch(`${local.url}/carts/${variantId}-${i}/lines/${variantId}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...authHeader('PUT', `/carts/x/lines/${variantId}`) },
        body: JSON.stringify({ quantity: 1, locationId: 'wh-1' }),
      });
      const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
      return { status: res.status, code: body.error?.code, ms: performance.now() - t0 };
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const variant = JSON.parse(await httpCall('GET', `/variants/${variantId}`)) as { softReserved: number; available: number; onHand: number };
  const ok = results.filter((r) => r.status === 200).length;
  const refused = results.filter((r) => r.status === 409 && r.code === 'insufficient_stock').length;
  const other = results.length - ok - refused;
  const oversold = Math.max(0, ok - N.units, variant.softReserved - variant.onHand);
  const lat = results.map((r) => r.ms).sort((a, b) => a - b);
  const where = buckets > 1 ? `hot, ${buckets} buckets` : 'one level item';
  log(`  ${where}: ${ok} granted, ${refused} refused, ${other} other, oversold ${oversold}`);
  if (oversold > 0 || ok !== Math.min(N.units, N.shoppers) || other > 0) throw new Error(`flash sale (${where}): ${ok} holds for ${N.units} units, ${other} other answers`);
  return `| ${where} | ${N.shoppers} | ${N.units} | ${ok} | ${refused} | ${other} | **${oversold}** | ${variant.softReserved} | ${variant.available} | ${ms(pct(lat, 0.5))} | ${ms(pct(lat, 0.99))} | ${seconds.toFixed(1)} s |`;
}
