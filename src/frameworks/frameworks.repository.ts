import type { Insertable } from "kysely";
import type {
  Db, FrameworkCellRow, FrameworkCellsTable, FrameworkImportRow, FrameworkItemRow, FrameworkItemsTable, FrameworkRow, FrameworksTable,
} from "../db/database.ts";

// Batches stay well under SQLite's bound-parameter limit (32 766) and PostgreSQL's (65 535).
const CHUNK = 500;

async function insertChunked<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await insert(rows.slice(i, i + CHUNK));
}

/** Finds a framework by id. */
export function findFramework(db: Db, id: string): Promise<FrameworkRow | undefined> {
  return db.selectFrom("frameworks").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Lists an issuer's frameworks by name, with how many competencies each has. */
export function listFrameworks(db: Db, issuerId: string): Promise<Array<FrameworkRow & { competencies: number }>> {
  return db.selectFrom("frameworks").selectAll("frameworks")
    .select((eb) => eb.selectFrom("framework_items").select((e) => e.fn.countAll<number>().as("n"))
      .whereRef("framework_items.framework_id", "=", "frameworks.id").where("framework_items.parent_id", "is", null).as("competencies"))
    .where("issuer_id", "=", issuerId).orderBy("name").orderBy("created_at").execute()
    .then((rows) => rows.map((r) => ({ ...r, competencies: Number(r.competencies ?? 0) })));
}

/** Inserts a framework row. */
export async function insertFramework(db: Db, row: Insertable<FrameworksTable>): Promise<void> {
  await db.insertInto("frameworks").values(row).execute();
}

/** Changes a framework's details unless it is archived; true when a row changed. */
export async function updateFramework(db: Db, id: string, changes: { name: string; description: string; source_url: string | null; updated_at: string }): Promise<boolean> {
  const r = await db.updateTable("frameworks").set(changes).where("id", "=", id).where("archived_at", "is", null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Marks a framework archived unless it already is; true when this call did it. */
export async function archiveFramework(db: Db, id: string, at: string): Promise<boolean> {
  const r = await db.updateTable("frameworks").set({ archived_at: at, updated_at: at }).where("id", "=", id).where("archived_at", "is", null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Inserts framework items (competencies before their sub-competencies). */
export async function insertItems(db: Db, rows: Insertable<FrameworkItemsTable>[]): Promise<void> {
  await insertChunked(rows, (chunk) => db.insertInto("framework_items").values(chunk).execute());
}

/** Inserts framework cells. */
export async function insertCells(db: Db, rows: Insertable<FrameworkCellsTable>[]): Promise<void> {
  await insertChunked(rows, (chunk) => db.insertInto("framework_cells").values(chunk).execute());
}

/** The items of a framework in display order. */
export function listItems(db: Db, frameworkId: string): Promise<FrameworkItemRow[]> {
  return db.selectFrom("framework_items").selectAll().where("framework_id", "=", frameworkId).orderBy("position").execute();
}

/** The cells of a framework. */
export function listCells(db: Db, frameworkId: string): Promise<FrameworkCellRow[]> {
  return db.selectFrom("framework_cells").selectAll().where("framework_id", "=", frameworkId).execute();
}

/** The competencies (top-level items) of some frameworks, in each framework's order. */
export function listCompetencies(db: Db, frameworkIds: string[]): Promise<Pick<FrameworkItemRow, "id" | "framework_id" | "code" | "name">[]> {
  if (frameworkIds.length === 0) return Promise.resolve([]);
  return db.selectFrom("framework_items").select(["id", "framework_id", "code", "name"])
    .where("framework_id", "in", frameworkIds).where("parent_id", "is", null).orderBy("framework_id").orderBy("position").execute();
}

/** Finds one item of a framework. */
export function findItem(db: Db, frameworkId: string, itemId: string): Promise<FrameworkItemRow | undefined> {
  return db.selectFrom("framework_items").selectAll().where("framework_id", "=", frameworkId).where("id", "=", itemId).executeTakeFirst();
}

/** Inserts a pending import. */
export async function insertImport(db: Db, row: FrameworkImportRow): Promise<void> {
  await db.insertInto("framework_imports").values(row).execute();
}

/** Finds an issuer's import. */
export function findImport(db: Db, issuerId: string, id: string): Promise<FrameworkImportRow | undefined> {
  return db.selectFrom("framework_imports").selectAll().where("issuer_id", "=", issuerId).where("id", "=", id).executeTakeFirst();
}

/** Marks an import confirmed unless it already was; true when this call did it. */
export async function markImportConfirmed(db: Db, id: string, frameworkId: string, at: string): Promise<boolean> {
  const r = await db.updateTable("framework_imports").set({ confirmed_at: at, framework_id: frameworkId, payload: "{}" })
    .where("id", "=", id).where("confirmed_at", "is", null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Deletes an issuer's unconfirmed imports created before a time (abandoned previews). */
export async function deleteStaleImports(db: Db, issuerId: string, before: string): Promise<void> {
  await db.deleteFrom("framework_imports").where("issuer_id", "=", issuerId).where("confirmed_at", "is", null).where("created_at", "<", before).execute();
}
