/** A missing or malformed setting fails when the function starts, never silently at its first request. */
import { loadConfig } from '../../functions/commons/config';
import { createRuntime } from '../../functions/commons/runtime';
import { createStreamHandler } from '../../functions/streams/handler';

const base = { TABLE_NAME: 'inventory', AWS_REGION: 'eu-west-1' };

describe('configuration', () => {
  it('requires TABLE_NAME', () => {
    expect(() => loadConfig({})).toThrow(/TABLE_NAME is required/);
  });

  it('reads the defaults and the sweeper settings', () => {
    const config = loadConfig({ ...base, SWEEP_PASSES: '2', SWEEP_PASS_SECONDS: '30' });
    expect(config).toMatchObject({ tableName: 'inventory', holdSeconds: 1800, cartRetentionSeconds: 86_400, sweeper: { passes: 2, passSeconds: 30 } });
    expect(config.faults).toBeUndefined();
  });

  it.each(['0', '-5', '1.5', 'soon'])('refuses CART_HOLD_SECONDS=%s', (value) => {
    expect(() => loadConfig({ ...base, CART_HOLD_SECONDS: value })).toThrow(/CART_HOLD_SECONDS must be a positive integer/);
  });

  it('does not start the stream processor without EVENT_BUS_NAME (its alert events would be dropped)', () => {
    expect(() => createStreamHandler(createRuntime(loadConfig(base)))).toThrow(/EVENT_BUS_NAME is required/);
    expect(() => createStreamHandler(createRuntime(loadConfig({ ...base, EVENT_BUS_NAME: 'bus' })))).not.toThrow();
  });
});
