import { isDeepStrictEqual } from "node:util";
import type { KvKey, KvStore, KvStoreListEntry, KvStoreSetOptions } from "@fedify/fedify";
import { Temporal } from "@js-temporal/polyfill";
import type { Db } from "../db/database.ts";
import type { Clock } from "../shared/clock.ts";
import * as repo from "./kv.repository.ts";

// How often (in writes) expired rows are swept; reads already ignore them.
const SWEEP_EVERY = 500;

/**
 * Fedify's key–value store on our own database (SQLite or PostgreSQL), so caches, idempotency
 * marks and circuit-breaker state survive restarts. Missing keys are `undefined`, never `null`:
 * Fedify's key fetching treats `null` as a cached value (Ghost's KnexKvStore notes the same).
 */
export class KyselyKvStore implements KvStore {
  readonly #db: Db;
  readonly #clock: Clock;
  #writes = 0;

  constructor(db: Db, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  #now(): string {
    return this.#clock.now().toISOString();
  }

  // Same rounding as Fedify's MemoryKvStore: days and longer are taken as exact hours.
  #expiry(options?: KvStoreSetOptions): string | null {
    if (!options?.ttl) return null;
    const at = Temporal.Instant.fromEpochMilliseconds(this.#clock.now().getTime()).add(Temporal.Duration.from(options.ttl).round({ largestUnit: "hour" }));
    return new Date(at.epochMilliseconds).toISOString();
  }

  async #maybeSweep(): Promise<void> {
    if (++this.#writes % SWEEP_EVERY === 0) await repo.deleteExpiredKv(this.#db, this.#now());
  }

  async get<T = unknown>(key: KvKey): Promise<T | undefined> {
    const text = await repo.findKv(this.#db, JSON.stringify(key), this.#now());
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  async set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
    if (value === undefined) return this.delete(key);
    await repo.upsertKv(this.#db, JSON.stringify(key), JSON.stringify(value), this.#expiry(options));
    await this.#maybeSweep();
  }

  async delete(key: KvKey): Promise<void> {
    await repo.deleteKv(this.#db, JSON.stringify(key));
  }

  /**
   * Compare-and-swap: `expected`/`value` undefined mean "absent". The write itself is conditional
   * (UPDATE … WHERE value = expected, INSERT … ON CONFLICT DO NOTHING), so two nodes or processes
   * racing on one key cannot both win, on SQLite or PostgreSQL.
   */
  cas = async (key: KvKey, expected: unknown, value: unknown, options?: KvStoreSetOptions): Promise<boolean> => {
    const k = JSON.stringify(key);
    const now = this.#now();
    const current = await repo.findKv(this.#db, k, now);
    if (!isDeepStrictEqual(current === undefined ? undefined : JSON.parse(current), expected)) return false;
    if (current === undefined) {
      return value === undefined ? true : repo.insertKvIfAbsent(this.#db, k, JSON.stringify(value), this.#expiry(options), now);
    }
    if (value === undefined) return repo.deleteKvIf(this.#db, k, current, now);
    return repo.replaceKvIf(this.#db, k, current, JSON.stringify(value), this.#expiry(options), now);
  };

  async *list(prefix?: KvKey): AsyncIterable<KvStoreListEntry> {
    const jsonPrefix = prefix ? JSON.stringify(prefix).slice(0, -1) : null;
    for (const row of await repo.listKv(this.#db, jsonPrefix, this.#now())) {
      const key = JSON.parse(row.key) as string[];
      // SQLite's LIKE ignores ASCII case: keep only true prefix matches.
      if (prefix && !prefix.every((p, i) => key[i] === p)) continue;
      yield { key: key as unknown as KvKey, value: JSON.parse(row.value) };
    }
  }
}
