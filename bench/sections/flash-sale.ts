/** Section 3: a flash sale, many shoppers at once for few units, through HTTP: none oversold, every shopper answered. */
import type { Bench } from '../context';
import { ms, pct } from '../report';

export async function flashSale({ httpCall, authHeader, local, N, log }: Bench): Promise<string[]> {
  log('flash sale…');
  await httpCall('POST', '/stock/adjustments', { variantId: 'flash', locationId: 'wh-1', onHand: N.units, reason: 'flash sale stock' });
  const flashStart = performance.now();
  const results = await Promise.all(
    Array.from({ length: N.shoppers }, async (_, i) => {
      const t0 = performance.now();
      const res = await fetch(`${local.url}/carts/flash-${i}/lines/flash`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...authHeader('PUT', '/carts/x/lines/flash') },
        body: JSON.stringify({ quantity: 1, locationId: 'wh-1' }),
      });
      await res.text();
      return { status: res.status, ms: performance.now() - t0 };
    }),
  );
  const flashSeconds = (performance.now() - flashStart) / 1000;
  const variant = JSON.parse(await httpCall('GET', '/variants/flash')) as { softReserved: number; available: number; onHand: number };
  const ok = results.filter((r) => r.status === 200).length;
  const refused = results.filter((r) => r.status === 409).length;
  const other = results.length - ok - refused;
  const oversold = Math.max(0, ok - N.units, variant.softReserved - variant.onHand);
  const lat = results.map((r) => r.ms).sort((a, b) => a - b);
  const section = [
    '## 3. Flash sale',
    '',
    `${N.shoppers} shoppers add the same variant to their carts at once, through HTTP, for ${N.units} units in stock.`,
    '',
    '| shoppers | units | holds granted | refused (409) | other | oversold | softReserved after | available after | p50 | p99 | wall time |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    `| ${N.shoppers} | ${N.units} | ${ok} | ${refused} | ${other} | **${oversold}** | ${variant.softReserved} | ${variant.available} | ${ms(pct(lat, 0.5))} | ${ms(pct(lat, 0.99))} | ${flashSeconds.toFixed(1)} s |`,
    '',
  ];
  log(`  ${ok} granted, ${refused} refused, ${other} other, oversold ${oversold}`);
  if (oversold > 0 || ok !== N.units) throw new Error(`flash sale: ${ok} holds for ${N.units} units`);
  return section;
}
