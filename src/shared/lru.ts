// A small in-memory least-recently-used map: a bounded cache for values that are costly to build.

/** A Map bounded to `capacity` entries that forgets the least recently read or written one first. */
export interface Lru<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): void;
  delete(key: string): void;
  readonly size: number;
}

/** An empty LRU map holding at most `capacity` entries (at least one). */
export function createLru<V>(capacity: number): Lru<V> {
  const entries = new Map<string, V>();
  const max = Math.max(1, Math.floor(capacity));
  return {
    get(key) {
      if (!entries.has(key)) return undefined;
      const value = entries.get(key)!;
      entries.delete(key);
      entries.set(key, value); // a Map iterates in insertion order: the most recent goes last
      return value;
    },
    set(key, value) {
      entries.delete(key);
      entries.set(key, value);
      while (entries.size > max) entries.delete(entries.keys().next().value!);
    },
    delete(key) {
      entries.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}
