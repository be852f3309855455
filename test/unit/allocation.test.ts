// Proves the allocation rule for cart lines without a location: keep what is held, most available first, backorder or shortfall.
import { allocate } from '../../functions/core/allocation';

describe('allocate', () => {
  it('takes everything from the location with the most available when it can', () => {
    expect(allocate({ quantity: 3, current: {}, available: { a: 2, b: 5 }, backorder: false })).toEqual({
      allocations: { b: { quantity: 3, backordered: 0 } },
      shortfall: 0,
      capacity: 7,
    });
  });

  it('splits across locations, largest first, ties by id', () => {
    const r = allocate({ quantity: 6, current: {}, available: { b: 3, a: 3, c: 1 }, backorder: false });
    expect(r.allocations).toEqual({ a: { quantity: 3, backordered: 0 }, b: { quantity: 3, backordered: 0 } });
  });

  it('keeps units where the line already holds them, counting its own hold as available to it', () => {
    const r = allocate({ quantity: 4, current: { a: 2 }, available: { a: 0, b: 9 }, backorder: false });
    expect(r.allocations).toEqual({ a: { quantity: 2, backordered: 0 }, b: { quantity: 2, backordered: 0 } });
  });

  it('reports the shortfall and what could be held under deny', () => {
    const r = allocate({ quantity: 10, current: { a: 1 }, available: { a: 2, b: -3 }, backorder: false });
    expect(r).toMatchObject({ shortfall: 7, capacity: 3 });
  });

  it('backorders the rest on the first location under allow/preorder', () => {
    const r = allocate({ quantity: 5, current: {}, available: { a: 2, b: 0 }, backorder: true });
    expect(r).toEqual({ allocations: { a: { quantity: 5, backordered: 3 } }, shortfall: 0, capacity: 2 });
    const none = allocate({ quantity: 2, current: {}, available: { b: 0, a: -1 }, backorder: true });
    expect(none.allocations).toEqual({ a: { quantity: 2, backordered: 2 } });
  });

  it('cannot place anything without a location', () => {
    expect(allocate({ quantity: 1, current: {}, available: {}, backorder: true })).toMatchObject({ shortfall: 1 });
  });
});
