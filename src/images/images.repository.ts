import type { Db, ImageRow } from "../db/database.ts";

// Binary columns: better-sqlite3 (blob) and pg (bytea) both return Buffers today; converting
// at this one place keeps callers independent of the driver and of a future change there.
const toBuffer = (value: Uint8Array): Buffer =>
  Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);

function toImage(row: ImageRow): ImageRow {
  return { ...row, original: toBuffer(row.original), png: toBuffer(row.png) };
}

/** Finds an image with its bytes. */
export async function findImageById(db: Db, id: string): Promise<ImageRow | undefined> {
  const row = await db.selectFrom("images").selectAll().where("id", "=", id).executeTakeFirst();
  return row && toImage(row);
}

/** Finds an issuer's image by the SHA-256 of its stored original. */
export async function findImageByHash(db: Db, issuerId: string, sha256: string): Promise<ImageRow | undefined> {
  const row = await db.selectFrom("images").selectAll().where("issuer_id", "=", issuerId).where("sha256", "=", sha256).executeTakeFirst();
  return row && toImage(row);
}

/** True when the image exists and belongs to the issuer (no bytes read). */
export async function imageBelongsTo(db: Db, id: string, issuerId: string): Promise<boolean> {
  const row = await db.selectFrom("images").select("id").where("id", "=", id).where("issuer_id", "=", issuerId).executeTakeFirst();
  return !!row;
}

/** Inserts an image. */
export async function insertImage(db: Db, row: ImageRow): Promise<void> {
  await db.insertInto("images").values({ ...row, original: toBuffer(row.original), png: toBuffer(row.png) }).execute();
}
