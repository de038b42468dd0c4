import { sql } from "kysely";
import type { Db } from "../db/database.ts";
import { escapeLike } from "../db/like.ts";

/** One live entry of Fedify's key–value store (JSON key and value). */
export interface KvEntry {
  key: string;
  value: string;
}

// Expired rows count as absent everywhere; they are deleted lazily and by `deleteExpiredKv`.
const live = (now: string) => sql<boolean>`(expires_at is null or expires_at > ${now})`;

/** The live value of a key, or undefined. */
export async function findKv(db: Db, key: string, now: string): Promise<string | undefined> {
  const row = await db.selectFrom("fedify_kv").select("value").where("key", "=", key).where(live(now)).executeTakeFirst();
  return row?.value;
}

/** Sets a key (insert or replace). */
export async function upsertKv(db: Db, key: string, value: string, expiresAt: string | null): Promise<void> {
  await db.insertInto("fedify_kv").values({ key, value, expires_at: expiresAt })
    .onConflict((oc) => oc.column("key").doUpdateSet({ value, expires_at: expiresAt })).execute();
}

/** Deletes a key. */
export async function deleteKv(db: Db, key: string): Promise<void> {
  await db.deleteFrom("fedify_kv").where("key", "=", key).execute();
}

/** Inserts a key only if it is absent (after expired rows are gone); true when inserted. */
export async function insertKvIfAbsent(db: Db, key: string, value: string, expiresAt: string | null, now: string): Promise<boolean> {
  await db.deleteFrom("fedify_kv").where("key", "=", key).where(sql<boolean>`expires_at is not null and expires_at <= ${now}`).execute();
  const res = await db.insertInto("fedify_kv").values({ key, value, expires_at: expiresAt })
    .onConflict((oc) => oc.column("key").doNothing()).executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Replaces a live value only if it still equals `expected` (JSON text); true when replaced. */
export async function replaceKvIf(db: Db, key: string, expected: string, value: string, expiresAt: string | null, now: string): Promise<boolean> {
  const res = await db.updateTable("fedify_kv").set({ value, expires_at: expiresAt })
    .where("key", "=", key).where("value", "=", expected).where(live(now)).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Deletes a live key only if its value equals `expected`; true when deleted. */
export async function deleteKvIf(db: Db, key: string, expected: string, now: string): Promise<boolean> {
  const res = await db.deleteFrom("fedify_kv").where("key", "=", key).where("value", "=", expected).where(live(now)).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** Live entries whose key starts with a JSON key prefix (`["a","b"` matches `["a","b"]` and `["a","b",…]`). */
export function listKv(db: Db, jsonPrefix: string | null, now: string): Promise<KvEntry[]> {
  let q = db.selectFrom("fedify_kv").select(["key", "value"]).where(live(now));
  if (jsonPrefix !== null) {
    const exact = jsonPrefix + "]";
    const pattern = escapeLike(jsonPrefix + ",") + "%";
    q = q.where(sql<boolean>`(key = ${exact} or key like ${pattern} escape '\\')`);
  }
  return q.orderBy("key").execute();
}

/** Deletes expired entries; returns how many. */
export async function deleteExpiredKv(db: Db, now: string): Promise<number> {
  const res = await db.deleteFrom("fedify_kv").where("expires_at", "is not", null).where("expires_at", "<=", now).executeTakeFirst();
  return Number(res.numDeletedRows);
}
