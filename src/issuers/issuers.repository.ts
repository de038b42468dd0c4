import type { Db, IssuerRow, IssuerUpdate, NewIssuerRow } from "../db/database.ts";

/** Finds an issuer by slug. */
export function findIssuerBySlug(db: Db, slug: string): Promise<IssuerRow | undefined> {
  return db.selectFrom("issuers").selectAll().where("slug", "=", slug).executeTakeFirst();
}

/** Finds an issuer by id. */
export function findIssuerById(db: Db, id: string): Promise<IssuerRow | undefined> {
  return db.selectFrom("issuers").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Lists every issuer by name. */
export function listIssuers(db: Db): Promise<IssuerRow[]> {
  return db.selectFrom("issuers").selectAll().orderBy("name").execute();
}

/** Lists the direct children of an issuer. */
export function listChildIssuers(db: Db, parentId: string): Promise<IssuerRow[]> {
  return db.selectFrom("issuers").selectAll().where("parent_id", "=", parentId).orderBy("name").execute();
}

/** Inserts an issuer. */
export async function insertIssuer(db: Db, row: NewIssuerRow): Promise<void> {
  await db.insertInto("issuers").values(row).execute();
}

/** Updates an issuer. */
export async function updateIssuer(db: Db, id: string, changes: IssuerUpdate): Promise<void> {
  await db.updateTable("issuers").set(changes).where("id", "=", id).execute();
}

/** The chain of ancestors of an issuer, nearest first (guards against cycles in bad data). */
export async function listAncestorIds(db: Db, issuerId: string): Promise<string[]> {
  const out: string[] = [];
  let current = await findIssuerById(db, issuerId);
  while (current?.parent_id && !out.includes(current.parent_id) && out.length < 50) {
    out.push(current.parent_id);
    current = await findIssuerById(db, current.parent_id);
  }
  return out;
}
