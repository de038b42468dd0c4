import type { AuditService, Actor } from "../audit/audit.service.ts";
import type { Db, IssuerRow } from "../db/database.ts";
import type { Prepared, UploadInput } from "../images/images.service.ts";
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

/** What issuer logos need from the images feature (app.ts wires the images service in). */
export interface LogoImages {
  /** Checks an upload (real decoding, SVG sanitising, size cap) without storing it; the error is a message key. */
  check(input: UploadInput): Promise<Result<Prepared, string>>;
  /** Stores a checked upload as an image of the issuer (decoded once, by `check`). */
  store(actor: Actor, issuer: IssuerRow, prepared: Prepared): Promise<{ id: string }>;
  /** The public address of a stored image (its PNG rendition). */
  url(imageId: string): string;
}

/** A logo change from the forms: an uploaded file (it wins over the URL field), or removing the logo. */
export interface LogoChange {
  file?: UploadInput | null;
  remove?: boolean;
}

/** Issuer spaces ("espaces"): institutions and the schools or departments under them. */
export function createIssuersService(deps: { db: Db; clock: Clock; audit: AuditService; images?: LogoImages; onCreated?: (issuer: IssuerRow, tx: Db) => Promise<void> }) {
  const { db, clock, audit } = deps;

  function logoImages(): LogoImages {
    if (!deps.images) throw new Error("logo uploads need the images service (deps.images)");
    return deps.images;
  }

  /** The checked logo (null when there is none), or the message key refusing it. */
  async function checkLogo(file: UploadInput | null | undefined): Promise<Result<Prepared | null, string>> {
    return file ? logoImages().check(file) : ok(null);
  }

  /** Stores a checked logo as an image of the issuer; returns its public address. */
  async function storeLogo(actor: Actor, issuer: IssuerRow, prepared: Prepared): Promise<{ imageId: string; url: string }> {
    const stored = await logoImages().store(actor, issuer, prepared);
    return { imageId: stored.id, url: logoImages().url(stored.id) };
  }

  async function resolveParent(parentSlug: string | null, selfId: string | null): Promise<Result<string | null, FieldErrors>> {
    if (!parentSlug) return ok(null);
    const parent = await repo.findIssuerBySlug(db, parentSlug);
    if (!parent) return err({ parent: "errors.parentUnknown" });
    if (selfId && (parent.id === selfId || (await repo.listAncestorIds(db, parent.id)).includes(selfId))) return err({ parent: "errors.parentCycle" });
    return ok(parent.id);
  }

  /** Stores a checked logo of a just-created issuer and makes it the issuer's logo. */
  async function setStoredLogo(actor: Actor, issuer: IssuerRow, prepared: Prepared): Promise<IssuerRow> {
    const stored = await storeLogo(actor, issuer, prepared);
    const changes = { logo_url: stored.url, updated_at: isoNow(clock) };
    await db.transaction().execute(async (tx) => {
      await repo.updateIssuer(tx, issuer.id, changes);
      await audit.record(actor, { action: "issuer.update", objectType: "issuer", objectId: issuer.id, issuerId: issuer.id, details: { logo: "upload", imageId: stored.imageId } }, tx);
    });
    return { ...issuer, ...changes };
  }

  return {
    findBySlug: (slug: string) => repo.findIssuerBySlug(db, slug),
    findById: (id: string) => repo.findIssuerById(db, id),
    children: (id: string) => repo.listChildIssuers(db, id),
    ancestorIds: (id: string) => repo.listAncestorIds(db, id),

    /** Checks a logo file without storing it: `{ logo: message key }` when it is refused, else `{}`. */
    async checkLogo(file: UploadInput | null | undefined): Promise<FieldErrors> {
      const checked = await checkLogo(file);
      return checked.ok ? {} : { logo: checked.error };
    },

    /**
     * Creates an issuer; refuses a taken slug, an unknown parent or a bad logo file. The logo is
     * checked before anything is written (a refused form stores nothing), then stored once the
     * issuer exists and set as its logo.
     */
    async create(actor: Actor, input: IssuerInput, logo: LogoChange = {}): Promise<Result<IssuerRow, FieldErrors>> {
      const taken = !!(await repo.findIssuerBySlug(db, input.slug));
      const parent = await resolveParent(input.parent, null);
      const checked = await checkLogo(logo.file);
      if (taken || !parent.ok || !checked.ok) {
        return err({ ...(taken ? { slug: "errors.slugTaken" } : {}), ...(parent.ok ? {} : parent.error), ...(checked.ok ? {} : { logo: checked.error }) });
      }
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
      return checked.value ? ok(await setStoredLogo(actor, row, checked.value)) : ok(row);
    },

    /**
     * Updates an issuer's public details, parent and logo; refuses a parent that makes a cycle or a
     * bad logo file (then nothing is stored). An uploaded file wins over the URL field; `remove`
     * clears the logo.
     */
    async update(actor: Actor, issuer: IssuerRow, input: IssuerUpdateInput, logo: LogoChange = {}): Promise<Result<IssuerRow, FieldErrors>> {
      const parent = await resolveParent(input.parent, issuer.id);
      const checked = await checkLogo(logo.file);
      if (!parent.ok || !checked.ok) return err({ ...(parent.ok ? {} : parent.error), ...(checked.ok ? {} : { logo: checked.error }) });
      const stored = checked.value ? await storeLogo(actor, issuer, checked.value) : null;
      const logoUrl = stored ? stored.url : logo.remove ? null : input.logoUrl;
      const changes = { name: input.name, description: input.description, website: input.website, email: input.email, logo_url: logoUrl, parent_id: parent.value, updated_at: isoNow(clock) };
      const details = stored ? { logo: "upload", imageId: stored.imageId } : logo.remove ? { logo: "removed" } : undefined;
      await db.transaction().execute(async (tx) => {
        await repo.updateIssuer(tx, issuer.id, changes);
        await audit.record(actor, { action: "issuer.update", objectType: "issuer", objectId: issuer.id, issuerId: issuer.id, details }, tx);
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
