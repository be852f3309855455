/**
 * Maps keyed by outside ids (variant, location and purchase-order ids). An id is any 1-128 characters of
 * `[A-Za-z0-9_.:-]`, so `constructor`, `toString` and `__proto__` are ids like any other. A plain object
 * answers `obj['constructor']` from Object.prototype, and `obj['__proto__'] = x` replaces its prototype
 * instead of adding a key: a Dict has no prototype, so every key is its own.
 *
 * Build them with `dict()` only. Spreading a Dict (`{...d}`) or `structuredClone` gives back a plain object.
 */
export type Dict<T> = { [id: string]: T };

export function dict<T>(entries: Iterable<readonly [string, T]> = []): Dict<T> {
  const d = Object.create(null) as Dict<T>;
  for (const [k, v] of entries) d[k] = v;
  return d;
}

/** A Dict from any object's own enumerable keys (a copy: the source is left as it is). */
export const dictOf = <T>(obj: { [k: string]: T } | undefined | null): Dict<T> => dict(Object.entries(obj ?? {}));

/** A new Dict with each value mapped. */
export const mapDict = <T, U>(d: Dict<T>, f: (v: T, id: string) => U): Dict<U> => dict(Object.entries(d).map(([k, v]) => [k, f(v, k)]));

/** Whether the Dict has the id (never true for a key it merely inherits: it inherits none). */
export const has = (d: Dict<unknown>, id: string): boolean => Object.hasOwn(d, id);
