import { zipSync, strToU8 } from "fflate";
import type { AccountsService } from "../accounts/accounts.service.ts";
import type { Actor, AuditService } from "../audit/audit.service.ts";
import type { CredentialsService } from "../awards/credentials.service.ts";
import type { CredentialRow, Db, UserRow } from "../db/database.ts";
import { isoNow, type Clock } from "../shared/clock.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { newId } from "../shared/tokens.ts";
import { EPPN_TYPE, recipientKey, type TypedRecipient } from "../sso/recipient-type.ts";
import { createBackpackEmails, type EmailIdentities } from "./backpack-emails.service.ts";
import { createBackpackImport, importedFile, privateOnly, type BadgeVerifier } from "./backpack-import.service.ts";
import * as repo from "./backpack.repository.ts";
import type { BackpackEntryRow, LearnerPageRow } from "./backpack.tables.ts";

const MAGIC_TTL_MS = 30 * 60_000;

/** A learner's identifiers: verified e-mails and federation identifiers (SSO). */
export interface LearnerIdentities extends EmailIdentities {
  /** Typed: an e-mail address matches badges issued to that address, an eppn badges issued to that eppn. */
  identifiersOf(userId: string): Promise<TypedRecipient[]>;
}

export interface BackpackDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  accounts: AccountsService;
  credentials: CredentialsService;
  identities: LearnerIdentities;
  sendMagicLink: (to: string, signInUrl: string, expiresAt: string) => Promise<unknown>;
  sendEmailConfirmation: (to: string, confirmUrl: string, expiresAt: string) => Promise<unknown>;
  sendAddressTakenNotice: (to: string) => Promise<unknown>;
  /** Checks badges imported from elsewhere. */
  verifier: BadgeVerifier;
  /** Largest badge file accepted for import (the verifier's limit). */
  maxImportBytes: number;
  origin: string;
}

/** A backpack entry with its credential, and what the pages show of it. */
export interface BackpackItem {
  entry: BackpackEntryRow;
  credential: CredentialRow | null;
  document: Record<string, any>;
  name: string;
  issuerName: string;
  issuedOn: string | null;
  image: string | null;
  /** This node's credential page, or the imported badge's page. */
  href: string;
  /** Imported from elsewhere (null for this node's credentials); privateOnly: it names none of the holder's identifiers. */
  external: { source: string; kind: string; recipient: string; privateOnly: boolean } | null;
}

// Our own badge images are served by this node: a path keeps the page on the current host.
function ownImage(doc: Record<string, any>): string | null {
  const id = typeof doc.image === "string" ? doc.image : doc.image?.id;
  return typeof id === "string" ? id.replace(/^https?:\/\/[^/]+/, "") : null;
}

function itemOf(entry: BackpackEntryRow, credential: CredentialRow | null, document: Record<string, any>): BackpackItem {
  if (credential) {
    return { entry, credential, document, name: String(document.name ?? ""), issuerName: String(document.issuer?.name ?? ""), issuedOn: document.validFrom ?? null, image: ownImage(document), href: `/credentials/${credential.id}`, external: null };
  }
  return {
    entry, credential, document, name: entry.external_name ?? "?", issuerName: entry.external_issuer ?? "", issuedOn: entry.external_issued_on, image: entry.external_image,
    href: `/backpack/imported/${entry.id}`, external: { source: entry.external_source ?? "", kind: entry.external_kind ?? "", recipient: entry.external_recipient ?? "unknown", privateOnly: privateOnly(entry) },
  };
}

/** Learners: sign-in by one-time link, backpack (accept, decline, visibility), pages, GDPR export and erasure. */
export function createBackpackService(deps: BackpackDeps) {
  const { db, clock } = deps;

  // The account's address and every identifier SSO and confirmed e-mails give, each once.
  async function identifiersOf(user: UserRow): Promise<TypedRecipient[]> {
    const all = [{ type: "emailAddress", value: user.email }, ...(await deps.identities.identifiersOf(user.id))];
    return [...new Map(all.map((i) => [recipientKey(i), i])).values()];
  }

  async function userFor(email: string): Promise<UserRow | undefined> {
    const ownerId = await deps.identities.ownerOfVerifiedEmail(email);
    if (ownerId) return deps.accounts.findById(ownerId);
    const user = await deps.accounts.findByEmail(email);
    if (user) return user;
    const held = await deps.credentials.ofRecipients([{ type: "emailAddress", value: email }]);
    if (held.length === 0) return undefined; // nothing to claim: no account is created for strangers
    const created = await deps.accounts.create({ email, displayName: held[0]?.recipient_name ?? email.split("@")[0]! });
    return created.ok ? created.value : deps.accounts.findByEmail(email);
  }

  async function items(user: UserRow): Promise<BackpackItem[]> {
    const held = await deps.credentials.ofRecipients(await identifiersOf(user));
    const now = isoNow(clock);
    await repo.insertEntries(db, held.map((c) => ({ id: newId(), user_id: user.id, credential_id: c.id, external_document: null, external_source: null, status: "pending", visibility: "private", show_name: 0, created_at: now, updated_at: now })));
    const byId = new Map(held.map((c) => [c.id, c]));
    return (await repo.listEntries(db, user.id)).flatMap((entry) => {
      const credential = entry.credential_id ? byId.get(entry.credential_id) ?? null : null;
      const raw = credential?.document ?? entry.external_document;
      return raw ? [itemOf(entry, credential, JSON.parse(raw) as Record<string, any>)] : [];
    });
  }

  const emails = createBackpackEmails({ clock, accounts: deps.accounts, identities: deps.identities, sendEmailConfirmation: deps.sendEmailConfirmation, sendAddressTakenNotice: deps.sendAddressTakenNotice, origin: deps.origin });
  const imports = createBackpackImport({
    db, clock, verifier: deps.verifier, origin: deps.origin, maxBytes: deps.maxImportBytes,
    // The recipient check takes an eppn as "eppn:<value>" (and compares it with eppn identities only).
    emailsOf: async (user) => [...new Set([
      user.email, ...(await deps.identities.verifiedEmailsOf(user.id)),
      ...(await deps.identities.identifiersOf(user.id)).filter((i) => i.type === EPPN_TYPE).map((i) => `eppn:${i.value}`),
    ])],
  });

  return {
    ...emails,
    /** Removes an extra address, and the account's entries of badges no identifier it keeps holds (their settings too). */
    async removeAddress(user: UserRow, rawEmail: string) {
      const removed = await emails.removeAddress(user, rawEmail);
      // A stale entry would keep "show my name" on a badge the account no longer holds.
      if (removed.ok) await repo.deleteCredentialEntriesExcept(db, user.id, (await deps.credentials.ofRecipients(await identifiersOf(user))).map((c) => c.id));
      return removed;
    },
    ...imports,
    items,
    /** Sends a one-time sign-in link when the address holds badges or an account; says nothing either way. `next`: a local path to land on. */
    async requestSignIn(email: string, next?: string): Promise<void> {
      const user = await userFor(email);
      if (!user) return;
      const token = await deps.accounts.issueToken(user.id, `magic:${email}`, MAGIC_TTL_MS);
      await deps.sendMagicLink(email, `${deps.origin}/signin/${token}${next ? `?next=${encodeURIComponent(next)}` : ""}`, new Date(clock.now().getTime() + MAGIC_TTL_MS).toISOString());
    },

    /** Spends a sign-in link: the address it went to is now verified for this account. */
    async signInWithLink(token: string): Promise<Result<UserRow, "invalid-link">> {
      const spent = await deps.accounts.consumeLink(token, "magic:");
      if (!spent) return err("invalid-link");
      const user = await deps.accounts.findById(spent.user_id);
      if (!user) return err("invalid-link");
      await deps.identities.markEmailVerified(user.id, spent.purpose.slice("magic:".length));
      return ok(user);
    },

    /** Accepts or declines a badge, shows or hides it (an imported badge naming none of the holder's identifiers stays private). */
    async update(user: UserRow, entryId: string, change: { status?: "accepted" | "declined"; visibility?: "public" | "private"; showName?: boolean }): Promise<Result<void, "not-found" | "private-only">> {
      const entry = await repo.findEntry(db, user.id, entryId);
      if (!entry) return err("not-found");
      if (change.visibility === "public" && privateOnly(entry)) return err("private-only");
      const done = await repo.updateEntry(db, user.id, entryId, {
        ...(change.status ? { status: change.status } : {}), ...(change.visibility ? { visibility: change.visibility } : {}),
        ...(change.showName !== undefined ? { show_name: change.showName ? 1 : 0 } : {}), updated_at: isoNow(clock),
      });
      return done ? ok(undefined) : err("not-found");
    },

    /** The holder's name for a public credential page, only if the holder allows it. */
    async nameShownFor(credentialId: string): Promise<boolean> {
      return (await repo.listEntriesOfCredential(db, credentialId)).some((e) => e.show_name === 1);
    },

    pages: (user: UserRow) => repo.listPages(db, user.id),
    async savePage(user: UserRow, input: { id?: string; title: string; intro: string; published: boolean; entryIds: string[] }): Promise<LearnerPageRow> {
      const now = isoNow(clock);
      const own = new Set((await repo.listEntries(db, user.id)).filter((e) => !privateOnly(e)).map((e) => e.id));
      const entryIds = [...new Set(input.entryIds)].filter((id) => own.has(id));
      const existing = input.id ? await repo.findPage(db, input.id) : undefined;
      const id = existing?.user_id === user.id ? existing.id : newId();
      await db.transaction().execute(async (tx) => {
        if (existing?.user_id === user.id) await repo.updatePage(tx, user.id, id, { title: input.title, intro: input.intro, published: input.published ? 1 : 0, updated_at: now });
        else await repo.insertPage(tx, { id, user_id: user.id, title: input.title, intro: input.intro, published: input.published ? 1 : 0, created_at: now, updated_at: now });
        await repo.replacePageEntries(tx, id, entryIds);
      });
      return (await repo.findPage(db, id))!;
    },
    deletePage: (user: UserRow, id: string) => repo.deletePage(db, user.id, id),
    async page(id: string, viewer: UserRow | null): Promise<{ page: LearnerPageRow; items: BackpackItem[]; owner: UserRow } | null> {
      const page = await repo.findPage(db, id);
      const owner = page && (await deps.accounts.findById(page.user_id));
      if (!page || !owner || (!page.published && viewer?.id !== owner.id)) return null;
      const order = await repo.listPageEntryIds(db, id);
      const all = await items(owner);
      const shown = order.map((eid) => all.find((i) => i.entry.id === eid)).filter((i): i is BackpackItem => !!i && (viewer?.id === owner.id || (i.entry.status === "accepted" && i.entry.visibility === "public" && !privateOnly(i.entry))));
      return { page, items: shown, owner };
    },
    pageEntryIds: (pageId: string) => repo.listPageEntryIds(db, pageId),

    /** GDPR: every credential as JSON plus the profile, in one zip. */
    async exportData(user: UserRow): Promise<Uint8Array> {
      const list = await items(user);
      const importedName = (entry: BackpackEntryRow) => `imported/${entry.id}.${importedFile(entry).extension}`;
      const files: Record<string, Uint8Array> = {
        "profile.json": strToU8(JSON.stringify({ email: user.email, displayName: user.display_name, locale: user.locale, createdAt: user.created_at, addresses: await emails.addresses(user), identifiers: await identifiersOf(user), pages: await repo.listPages(db, user.id),
          imported: list.filter((i) => i.external).map((i) => ({ file: importedName(i.entry), name: i.name, issuer: i.issuerName, source: i.external!.source, importedAt: i.entry.created_at })) }, null, 2)),
      };
      for (const i of list) {
        // As issued, so that the file still verifies (a VC-JWT as the compact token it came as).
        if (i.credential) files[`credentials/${i.credential.id}.json`] = strToU8(JSON.stringify(i.document, null, 2));
        else files[importedName(i.entry)] = strToU8(i.entry.external_jwt ?? JSON.stringify(i.document, null, 2));
      }
      return zipSync(files);
    },

    /** GDPR erasure: the account and its personal data go; issued credentials stay verifiable. */
    async deleteAccount(actor: Actor, user: UserRow): Promise<void> {
      await deps.credentials.forgetRecipients(await identifiersOf(user));
      await deps.accounts.delete(user.id);
      await deps.audit.record(actor, { action: "account.erase", objectType: "user", objectId: user.id });
    },
  };
}

export type BackpackService = ReturnType<typeof createBackpackService>;
