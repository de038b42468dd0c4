import type { Actor } from "../audit/audit.service.ts";
import type { FrameworkRow } from "../db/database.ts";
import { isoNow } from "../shared/clock.ts";
import { err, ok, type FieldErrors, type Result } from "../shared/result.ts";
import { parseInput } from "../shared/validation.ts";
import * as repo from "./frameworks.repository.ts";
import { detailsForm } from "./frameworks.schema.ts";
import type { FrameworksDeps } from "./frameworks.service.ts";

/** Changes to a stored framework after its import: details and archiving, each told to the publisher (partners). */
export function createFrameworkChanges(deps: FrameworksDeps) {
  const { db, clock, audit } = deps;

  // Name, description and source URL; the tree is fixed once imported (an import makes a new framework).
  async function updateDetails(actor: Actor, id: string, input: unknown): Promise<Result<FrameworkRow, "not-found" | "archived" | FieldErrors>> {
    const parsed = parseInput(detailsForm, input);
    if (!parsed.ok) return parsed;
    const row = await repo.findFramework(db, id);
    if (!row) return err("not-found");
    const now = isoNow(clock);
    const changed = await db.transaction().execute(async (tx) => {
      const { name, description, sourceUrl } = parsed.value;
      if (!(await repo.updateFramework(tx, id, { name, description: description ?? "", source_url: sourceUrl, updated_at: now }))) return false;
      await audit.record(actor, { action: "framework.update", objectType: "framework", objectId: id, issuerId: row.issuer_id, details: { name } }, tx);
      await deps.publisher?.()?.changed(tx, { frameworkId: id, issuerId: row.issuer_id, kind: "update", changedAt: now });
      return true;
    });
    return changed ? ok((await repo.findFramework(db, id))!) : err("archived");
  }

  // Archived frameworks stay readable (templates and credentials point at them); partners mark their copy.
  async function archive(actor: Actor, id: string): Promise<Result<FrameworkRow, "not-found" | "archived">> {
    const row = await repo.findFramework(db, id);
    if (!row) return err("not-found");
    const now = isoNow(clock);
    const changed = await db.transaction().execute(async (tx) => {
      if (!(await repo.archiveFramework(tx, id, now))) return false;
      await audit.record(actor, { action: "framework.archive", objectType: "framework", objectId: id, issuerId: row.issuer_id, details: { name: row.name } }, tx);
      await deps.publisher?.()?.changed(tx, { frameworkId: id, issuerId: row.issuer_id, kind: "delete", changedAt: now });
      return true;
    });
    return changed ? ok((await repo.findFramework(db, id))!) : err("archived");
  }

  return {
    /** Changes a framework's name, description and source URL (audited; partners are sent an Update). */
    updateDetails,
    /** Archives a framework (audited; partners are sent a Delete and mark their copy). */
    archive,
  };
}
