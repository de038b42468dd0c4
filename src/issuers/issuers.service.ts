import type { AuditService, Actor } from "../audit/audit.service.ts";
import type { Db, IssuerRow } from "../db/database.ts";
import { isoNow, type Clock } from "../shared/clock.ts";
import { err, ok, type FieldErrors, type Result } from "../shared/result.ts";
import { isUniqueViolation } from "../shared/sql-errors.ts";
import { newId } from "../shared/tokens.ts";
import * as repo from "./issuers.repository.ts";
import type { IssuerInput, IssuerUpdateInput } from "./issuers.schema.ts";

/** A node of the issuer tree, for lists. */
export interface IssuerTreeNode {
  issuer: IssuerRow;
  depth: number;
}

/** Issuer spaces ("espaces"): institutions and the schools or departments under them. */
export function createIssuersService(deps: { db: Db; clock: Clock; audit: AuditService; onCreated?: (issuer: IssuerRow, tx: Db) => Promise<void> }) {
  const { db, clock, audit } = deps;

  async function resolveParent(parentSlug: string | null, selfId: string | null): Promise<Result<string | null, FieldErrors>> {
    if (!parentSlug) return ok(null);
    const parent = await repo.findIssuerBySlug(db, parentSlug);
    if (!parent) return err({ parent: "errors.parentUnknown" });
    if (selfId && (parent.id === selfId || (await repo.listAncestorIds(db, parent.id)).includes(selfId))) return err({ parent: "errors.parentCycle" });
    return ok(parent.id);
  }

  return {
    findBySlug: (slug: string) => repo.findIssuerBySlug(db, slug),
    findById: (id: string) => repo.findIssuerById(db, id),
    children: (id: string) => repo.listChildIssuers(db, id),
    ancestorIds: (id: string) => repo.listAncestorIds(db, id),

    /** Creates an issuer; refuses a taken slug or an unknown parent. */
    async create(actor: Actor, input: IssuerInput): Promise<Result<IssuerRow, FieldErrors>> {
      if (await repo.findIssuerBySlug(db, input.slug)) return err({ slug: "errors.slugTaken" });
      const parent = await resolveParent(input.parent, null);
      if (!parent.ok) return parent;
      const now = isoNow(clock);
      const row: IssuerRow = {
        id: newId(), slug: input.slug, name: input.name, description: input.description, website: input.website,
        email: input.email, logo_url: input.logoUrl, parent_id: parent.value, created_at: now, updated_at: now,
      };
      try {
        await db.transaction().execute(async (tx) => {
          await repo.insertIssuer(tx, row);
          await deps.onCreated?.(row, tx);
          await audit.record(actor, { action: "issuer.create", objectType: "issuer", objectId: row.id, issuerId: row.id, details: { slug: row.slug } }, tx);
        });
      } catch (e) {
        if (isUniqueViolation(e)) return err({ slug: "errors.slugTaken" });
        throw e;
      }
      return ok(row);
    },

    /** Updates an issuer's public details and parent; refuses a parent that makes a cycle. */
    async update(actor: Actor, issuer: IssuerRow, input: IssuerUpdateInput): Promise<Result<IssuerRow, FieldErrors>> {
      const parent = await resolveParent(input.parent, issuer.id);
      if (!parent.ok) return parent;
      const changes = { name: input.name, description: input.description, website: input.website, email: input.email, logo_url: input.logoUrl, parent_id: parent.value, updated_at: isoNow(clock) };
      await db.transaction().execute(async (tx) => {
        await repo.updateIssuer(tx, issuer.id, changes);
        await audit.record(actor, { action: "issuer.update", objectType: "issuer", objectId: issuer.id, issuerId: issuer.id }, tx);
      });
      return ok({ ...issuer, ...changes });
    },

    /** Every issuer as an indented tree (parents before their children). */
    async tree(): Promise<IssuerTreeNode[]> {
      const all = await repo.listIssuers(db);
      const byParent = new Map<string | null, IssuerRow[]>();
      for (const i of all) byParent.set(i.parent_id, [...(byParent.get(i.parent_id) ?? []), i]);
      const out: IssuerTreeNode[] = [];
      const walk = (parentId: string | null, depth: number) => {
        for (const issuer of byParent.get(parentId) ?? []) {
          out.push({ issuer, depth });
          walk(issuer.id, depth + 1);
        }
      };
      walk(null, 0);
      return out;
    },
  };
}

export type IssuersService = ReturnType<typeof createIssuersService>;
