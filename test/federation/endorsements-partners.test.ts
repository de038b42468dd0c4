// Endorsements are trusted only from partners, only when well formed, share no status-list bit with
// a credential, and never make issuing wait on an endorser that is down.
import * as crypto from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { up as statusIndexSpace } from "../../migrations/2026-11-29-0064-status-index-space.ts";
import { systemActor } from "../../src/audit/audit.service.ts";
import { STATUS_LIST_SIZE } from "../../src/credentials/bitstring.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import { createEndorsementShapeCheck } from "../../src/federation/endorsement-shape.ts";
import { TEMPLATE_MEDIA_TYPE } from "../../src/federation/template-payload.ts";
import { isUniqueViolation } from "../../src/shared/sql-errors.ts";
import { loadSchemaSet } from "../../src/verification/json-schemas.ts";
import type { TestNode } from "../helpers/node.ts";
import { sharedPath, skipIfNoShared } from "../helpers/shared-data.ts";
import { createIssuer, followAccepted, publishTemplateTo, startFederatedNode, issueOne, partnerNodesAroundFile, waitFor } from "./federation-kit.ts";

// Status-list draws (randomInt(0, STATUS_LIST_SIZE)) may be forced by a test, to make two of them meet.
const forcedDraws: number[] = [];
vi.mock("node:crypto", async (original) => {
  const real = await original<typeof import("node:crypto")>();
  const randomInt = ((...args: Parameters<typeof real.randomInt>) => {
    if (forcedDraws.length && args[0] === 0 && args[1] === STATUS_LIST_SIZE) return forcedDraws.shift();
    return (real.randomInt as (...a: unknown[]) => number)(...args);
  }) as typeof real.randomInt;
  return { ...real, randomInt, default: { ...real, randomInt } };
});

let a: TestNode;
let b: TestNode;
let univA: IssuerRow;
let univB: IssuerRow;

partnerNodesAroundFile((nodes) => ({ a, b, univA, univB } = nodes));

const template = (name: string) => publishTemplateTo(a, univA, b, { name, description: `${name} (description)`, criteria: { narrative: "Projet évalué." } });

const issue = (achievementId: string, recipient: string) => issueOne(a, univA, achievementId, recipient);

async function endorseAs(node: TestNode, issuer: IssuerRow, remoteTemplateId: string, comment: string) {
  const done = await node.services.federation.endorsements.endorse(systemActor, issuer, remoteTemplateId, comment);
  if (!done.ok) throw new Error(done.error);
  return done.value;
}

describe("endorsements only from partners", () => {
  it("drops an endorsement from an issuer with no accepted relation with the endorsed one; stored ones from non-partners are neither embedded nor trusted", async () => {
    const tpl = await template("Cybersécurité");
    await a.services.federation.endorsements.setEmbed(systemActor, tpl.id, univA.id, true);
    // univ-b3 shares B's node with a partner of A, but is no partner of univ-a itself.
    const univB3 = await createIssuer(b, "univ-b3", "Université B3");
    const given = await endorseAs(b, univB3, tpl.copy.id, "Je ne suis pas partenaire.");
    const processed = await waitFor(() => a.services.federation.partners.findProcessed(`${given.ap_id}#create`), 20_000, "Create processed");
    expect(processed.outcome).toBe("dropped:not-partner");
    expect(await a.database.db.selectFrom("endorsements").select("id").where("ap_id", "=", given.ap_id).executeTakeFirst()).toBeUndefined();
    expect(await a.services.federation.trust.relationsOf(`${b.url}/issuers/univ-b3`)).toEqual([]);

    // Rows a node stored before the rule (of a template, and of the issuer itself) count for nothing.
    const stranger = "https://stranger.example/issuers/x";
    const base = { direction: "received", issuer_id: null, actor_id: stranger, comment: "Publicité", created_at: new Date().toISOString(), status_index: null, withdrawn_at: null };
    const vc = { "@context": [], type: ["VerifiableCredential", "EndorsementCredential"], issuer: { id: stranger }, name: "Endorsement", credentialSubject: { id: tpl.obId } };
    await a.database.db.insertInto("endorsements").values([
      { ...base, id: crypto.randomUUID(), achievement_id: tpl.id, subject_id: tpl.obId, ap_id: "https://stranger.example/ap/endorsements/1", vc_json: JSON.stringify(vc) },
      { ...base, id: crypto.randomUUID(), achievement_id: null, subject_id: `${a.url}/issuers/univ-a`, ap_id: "https://stranger.example/ap/endorsements/2", vc_json: JSON.stringify(vc) },
    ]).execute();
    expect(await a.services.federation.trust.relationsOf(stranger)).toEqual([]);
    expect((await issue(tpl.id, "lina@example.org")).credentialSubject.achievement.endorsement).toBeUndefined();

    // The partner's own endorsement of the same template is stored and embedded.
    const partner = await endorseAs(b, univB, tpl.copy.id, "Partenaire : recommandé.");
    await waitFor(() => a.database.db.selectFrom("endorsements").select("id").where("ap_id", "=", partner.ap_id).executeTakeFirst(), 20_000, "partner endorsement");
    expect((await issue(tpl.id, "omar@example.org")).credentialSubject.achievement.endorsement).toEqual([JSON.parse(partner.vc_json)]);
    const shown = async (path: string) => (await fetch(`${a.url}${path}`, { headers: { "HX-Request": "true" } })).text();
    expect(await shown(`/achievements/${tpl.id}/partners`)).toContain("Partenaire : recommandé.");
    for (const path of [`/achievements/${tpl.id}/partners`, "/issuers/univ-a/endorsements"]) expect(await shown(path)).not.toContain("Publicité");
  });

  it("drops a partner's endorsement that is not a well-formed EndorsementCredential", async (ctx) => {
    const tpl = await template("Data science");
    const given = await endorseAs(b, univB, tpl.copy.id, "Solide.");
    const vc = JSON.parse(given.vc_json) as Record<string, unknown>;
    const sender = `${b.url}/issuers/univ-b`;
    const doc = (content: unknown) => ({ id: `${b.url}/ap/endorsements/${crypto.randomUUID()}`, attributedTo: sender, mediaType: TEMPLATE_MEDIA_TYPE, content: JSON.stringify(content) });
    const { name: _name, ...nameless } = vc;
    expect(await a.services.federation.endorsements.receive(sender, doc(nameless))).toEqual({ ok: false, error: "schema" });
    expect(await a.services.federation.endorsements.receive(sender, doc({ ...vc, validFrom: undefined }))).toEqual({ ok: false, error: "schema" });

    const plain = createEndorsementShapeCheck(null);
    expect(plain(vc)).toBeNull();
    expect(plain({ ...vc, proof: undefined })).toBe("missing proof");
    expect(plain({ ...vc, credentialSubject: [vc.credentialSubject] })).toBe("credentialSubject must be one object with an id");
    if (skipIfNoShared(ctx, "ob3", "schema", "ob_v3p0_endorsementcredential_schema.json")) return;
    const withSchemas = createEndorsementShapeCheck(loadSchemaSet(sharedPath("ob3", "schema")));
    expect(withSchemas(vc)).toBeNull();
    expect(withSchemas({ ...vc, validFrom: "hier" })).toMatch(/^schema: .*validFrom/);
  });
});

describe("one status-list index space per issuer", () => {
  it("an endorsement never takes an index a credential batch being signed has drawn, and the database refuses a shared one", async () => {
    const defined = await b.services.achievements.define(systemActor, univB, { name: "Badge de B", description: "Un badge.", criteria: { narrative: "Évalué." } }, { publish: false });
    if (!defined.ok) throw new Error("define");
    const achievement = (await b.services.achievements.load(defined.value.row.id))!;
    const tpl = await template("Électronique");
    const clash = 4242;
    const spare = 4343;
    const requests = Array.from({ length: 60 }, (_, i) => ({ recipient: `learner${i}@example.org`, recipientType: "emailAddress" }));
    // The batch's first credential draws `clash`; the endorsement, given while the batch is signed, draws it too, then `spare`.
    forcedDraws.push(clash);
    const issuing = b.services.credentials.issueMany(systemActor, univB, achievement, requests);
    await waitFor(async () => forcedDraws.length === 0, 10_000, "credential draw");
    forcedDraws.push(clash, spare);
    const endorsement = await endorseAs(b, univB, tpl.copy.id, "Index à part.");
    forcedDraws.length = 0;
    const rows = await issuing;
    expect(rows.map((r) => r.status_index)).toContain(clash);
    expect(endorsement.status_index).toBe(spare);

    const claimed = await b.database.db.selectFrom("status_indexes").selectAll().where("issuer_id", "=", univB.id).execute();
    expect(claimed.filter((c) => c.kind === "credential").map((c) => c.idx).sort()).toEqual(rows.map((r) => r.status_index).sort());
    expect(claimed.filter((c) => c.kind === "endorsement")).toEqual(expect.arrayContaining([expect.objectContaining({ idx: spare, object_id: endorsement.id, purpose: "revocation" })]));
    const taken = await b.services.credentials.claimEndorsementIndex(b.database.db, univB.id, clash, "other").then(() => null, (e: unknown) => e);
    expect(isUniqueViolation(taken)).toBe(true);

    // The migration fills the space from what is stored; an older endorsement already sharing a credential's index stays unclaimed.
    const all = () => b.database.db.selectFrom("status_indexes").selectAll().orderBy("issuer_id").orderBy("idx").execute();
    const before = await all();
    await b.database.db.insertInto("endorsements").values({
      id: "legacy", direction: "given", issuer_id: univB.id, actor_id: `${b.url}/issuers/univ-b`, achievement_id: null, subject_id: `${a.url}/issuers/univ-a`,
      ap_id: `${b.url}/ap/endorsements/legacy`, comment: "Ancienne.", vc_json: "{}", created_at: new Date().toISOString(), status_index: clash, withdrawn_at: null,
    }).execute();
    await b.database.db.schema.dropTable("status_indexes").execute();
    await statusIndexSpace(b.database.db);
    expect(await all()).toEqual(before);
  });
});

describe("issuing never waits on an endorser", () => {
  it("leaves out the endorsement of a partner whose node is down, embeds the others, and issues quickly", async () => {
    const c = await startFederatedNode();
    let running = true;
    try {
      const univC = await createIssuer(c, "univ-c", "Université C");
      await followAccepted(c, univC, `${a.url}/issuers/univ-a`);
      const tpl = await publishTemplateTo(a, univA, b, { name: "Énergie", description: "Énergie (description)", criteria: { narrative: "Évalué." } });
      const onC = await waitFor(() => c.database.db.selectFrom("remote_templates").selectAll().where("ob_id", "=", tpl.obId).executeTakeFirst(), 20_000, "template on C");
      const fromC = await endorseAs(c, univC, onC.id, "Recommandé par C.");
      const fromB = await endorseAs(b, univB, tpl.copy.id, "Recommandé par B.");
      for (const e of [fromC, fromB]) await waitFor(() => a.database.db.selectFrom("endorsements").select("id").where("ap_id", "=", e.ap_id).executeTakeFirst(), 20_000, "endorsement received");
      await a.services.federation.endorsements.setEmbed(systemActor, tpl.id, univA.id, true);
      await c.close();
      running = false;

      const started = Date.now();
      const credential = await issue(tpl.id, "zoe@example.org");
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(credential.credentialSubject.achievement.endorsement).toEqual([JSON.parse(fromB.vc_json)]);
      // Down is not withdrawn: it stays shown on A and is embedded again once C answers.
      expect((await a.database.db.selectFrom("endorsements").select("withdrawn_at").where("ap_id", "=", fromC.ap_id).executeTakeFirstOrThrow()).withdrawn_at).toBeNull();
    } finally {
      if (running) await c.close();
    }
  });
});
