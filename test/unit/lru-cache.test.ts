import { describe, expect, it } from 'vitest';
import { LruCache } from '../../functions/service/lru-cache';

// The one size cap of the authorizer's per-container memories (functions/service/lru-cache.ts).
describe('LruCache', () => {
  it('never holds more entries than its capacity', () => {
    const cache = new LruCache<number, number>(3);

    for (let i = 0; i < 10; i++) cache.set(i, i);

    expect(cache.size).toBe(3);
    expect([...cache].map(([key]) => key)).toEqual([7, 8, 9]);
  });

  it('forgets the least recently set entry first when nothing was read', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1).set('b', 2);

    cache.set('c', 3);

    expect(cache.has('a')).toBe(false);
    expect(cache.get('b')).toBe(2);
    expect(cache.get('c')).toBe(3);
  });

  it('makes a read entry the most recently used, so the other one goes first', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1).set('b', 2);

    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);

    expect(cache.has('a')).toBe(true);
    expect(cache.has('b')).toBe(false);
  });

  it('makes an overwritten entry the most recently used, without growing', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1).set('b', 2);

    cache.set('a', 10);
    cache.set('c', 3);

    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBe(10);
    expect(cache.has('b')).toBe(false);
  });

  it('changes no recency on has() or iteration', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1).set('b', 2);

    expect(cache.has('a')).toBe(true);
    expect([...cache]).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    cache.set('c', 3);

    expect(cache.has('a')).toBe(false);
  });

  it('answers undefined for a missing key and changes nothing', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);

    expect(cache.get('z')).toBeUndefined();
    expect([...cache]).toEqual([['a', 1]]);
  });

  it('deletes one entry, or all of them', () => {
    const cache = new LruCache<string, number>(3);
    cache.set('a', 1).set('b', 2).set('c', 3);

    expect(cache.delete('b')).toBe(true);
    expect(cache.delete('b')).toBe(false);
    expect([...cache].map(([key]) => key)).toEqual(['a', 'c']);
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('lets an entry be deleted while iterating (the feed drops statuses that way)', () => {
    const cache = new LruCache<string, number>(4);
    cache.set('a', 1).set('b', 2).set('c', 3).set('d', 4);

    for (const [key, value] of cache) if (value % 2 === 0) cache.delete(key);

    expect([...cache].map(([key]) => key)).toEqual(['a', 'c']);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a capacity of %s', (capacity) => {
    expect(() => new LruCache(capacity)).toThrow(new RangeError(`An LRU cache holds at least one entry, not ${capacity}`));
  });

  it('holds one entry at the smallest capacity, forgetting it for the next', () => {
    const cache = new LruCache<string, number>(1).set('a', 1).set('b', 2);

    expect([...cache]).toEqual([['b', 2]]);
  });
});
