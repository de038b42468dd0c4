// Endorsements between two real nodes: of templates and issuers, embedded in new credentials,
// verified (with "known partner" lines), withdrawn (Delete + status list), lost Deletes caught.
import { readFileSync } from "node:fs";
import { signRequest } from "@fedify/fedify";
import Ajv2019 from "ajv/dist/2019.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { systemActor } from "../../src/audit/audit.service.ts";
import { verifyProofs } from "../../src/credentials/proof-verification.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import { EMBED_CACHE_MS } from "../../src/federation/endorsements.service.ts";
import type { VerificationReport } from "../../src/verification/verification.service.ts";
import type { TestNode } from "../helpers/node.ts";
import { sharedPath, skipIfNoShared } from "../helpers/shared-data.ts";
import { createIssuer, publishTemplateTo, issueOne, partnerNodesAroundFile, waitFor } from "./federation-kit.ts";

let a: TestNode;
let b: TestNode;
let univA: IssuerRow;
let univB: IssuerRow;
// A's clock, moved past the few minutes A keeps a template's embeddable endorsements.
const clockA = { offset: 0, now: () => new Date(Date.now() + clockA.offset) };
const embed = (achievementId: string) => a.services.federation.endorsements.setEmbed(systemActor, achievementId, univA.id, true);

const issue = (achievementId: string, recipient: string) => issueOne(a, univA, achievementId, recipient);

const lines = (r: VerificationReport, check: string) => r.checks.filter((c) => c.check === check).map((c) => `${c.status} ${c.message.key}`);

// A's template, published, as B received it.
const publishedTemplate = (name: string) => publishTemplateTo(a, univA, b, { name, description: `${name} (description)`, criteria: { narrative: "Projet évalué." } });

partnerNodesAroundFile((nodes) => ({ a, b, univA, univB } = nodes), { clockA });

describe("endorsements: embedded, verified, withdrawn", () => {
  it("B endorses A's template, A's new credentials embed it, both verifiers accept it; B withdraws and it is gone", async (ctx) => {
    const tpl = await publishedTemplate("Éco-conception avancée");
    const admin = await b.signIn("admin@b.test", { nodeAdmin: true });
    expect((await admin.submit(`/catalogue/partners/${tpl.copy.id}/endorse`, { issuer: "univ-b", comment: "Un modèle exemplaire." })).status).toBe(303);
    const given = await b.database.db.selectFrom("endorsements").selectAll().where("direction", "=", "given").where("subject_id", "=", tpl.obId).executeTakeFirstOrThrow();
    const vc = JSON.parse(given.vc_json) as Record<string, any>;
    expect(vc.credentialStatus).toEqual({
      id: `${b.url}/issuers/univ-b/status/revocation#${given.status_index}`, type: "BitstringStatusListEntry", statusPurpose: "revocation",
      statusListIndex: String(given.status_index), statusListCredential: `${b.url}/issuers/univ-b/status/revocation`,
    });
    const received = await waitFor(() => a.database.db.selectFrom("endorsements").selectAll().where("ap_id", "=", given.ap_id).executeTakeFirst(), 20_000, "endorsement received");
    expect(received.achievement_id).toBe(tpl.id);

    // Once A's admin chose to embed them, A's new credential embeds the endorsement exactly as B signed it.
    await embed(tpl.id);
    const credential = await issue(tpl.id, "lea@example.org");
    expect(credential.credentialSubject.achievement.endorsement).toEqual([vc]);
    expect(await verifyProofs(credential, a.services.documentLoader)).toEqual({ verified: true });
    if (!skipIfNoShared(ctx, "ob3", "schema", "ob_v3p0_achievementcredential_schema.json")) {
      const ajv = new Ajv2019.default({ strict: false, allErrors: true });
      addFormats.default(ajv);
      const validate = ajv.compile(JSON.parse(readFileSync(sharedPath("ob3", "schema", "ob_v3p0_achievementcredential_schema.json"), "utf8")));
      expect(validate(credential), JSON.stringify(validate.errors, null, 1)).toBe(true);
    }

    // Both verifiers accept it and check the endorsement; B knows A as a partner, A does not call itself one.
    const onA = await a.services.verification.verify({ json: credential });
    expect(onA.verified).toBe(true);
    expect(lines(onA, "endorsement")).toEqual(["pass verification.endorsement.active"]);
    expect(lines(onA, "partner")).toEqual([]);
    const onB = await b.services.verification.verify({ json: credential });
    expect(onB.verified).toBe(true);
    expect(lines(onB, "endorsement")).toEqual(["pass verification.endorsement.active"]);
    expect(lines(onB, "partner")).toEqual(["pass verification.partner.followedBy", "pass verification.partner.follows"]);
    // A forged copy (altered name) borrows nothing from the partnership: not valid, no partner line.
    const forged = await b.services.verification.verify({ json: { ...credential, name: "Autre badge" } });
    expect(forged.verified).toBe(false);
    expect(lines(forged, "partner")).toEqual([]);
    const page = await (await fetch(`${b.url}/verify?url=${encodeURIComponent(credential.id)}`, { headers: { Accept: "text/html" } })).text();
    expect(page).toContain("Émetteur partenaire connu : suivi par Université B.");
    expect(page).toContain("Recommandation de Université B : signature vérifiée, non retirée.");
    const api = await (await fetch(`${b.url}/api/v1/verify`, { method: "POST", headers: { "Content-Type": "application/json", "Accept-Language": "en" }, body: JSON.stringify(credential) })).json() as { checks: Array<{ check: string; status: string }> };
    expect(api.checks).toEqual(expect.arrayContaining([expect.objectContaining({ check: "partner", status: "pass" })]));

    // Withdrawal by an admin who may not act for univ-b: refused, nothing changes.
    const outsider = await b.signIn("outsider@b.test");
    expect((await outsider.submit(`/endorsements/${given.id}/withdraw`, {})).status).toBe(403);
    expect((await b.database.db.selectFrom("endorsements").select("withdrawn_at").where("id", "=", given.id).executeTakeFirstOrThrow()).withdrawn_at).toBeNull();

    // B withdraws (twice: the second changes nothing); A stops showing and embedding it.
    const page1 = await admin.text(`/catalogue/partners/${tpl.copy.id}`);
    expect(page1.body).toContain(`/endorsements/${given.id}/withdraw`);
    expect((await admin.submit(`/endorsements/${given.id}/withdraw`, { back: `/catalogue/partners/${tpl.copy.id}` })).headers.get("Location")).toBe(`/catalogue/partners/${tpl.copy.id}`);
    const withdrawnAt = (await b.database.db.selectFrom("endorsements").select("withdrawn_at").where("id", "=", given.id).executeTakeFirstOrThrow()).withdrawn_at;
    expect(withdrawnAt).not.toBeNull();
    expect((await admin.submit(`/endorsements/${given.id}/withdraw`, {})).status).toBe(303);
    expect((await b.database.db.selectFrom("endorsements").select("withdrawn_at").where("id", "=", given.id).executeTakeFirstOrThrow()).withdrawn_at).toBe(withdrawnAt);
    expect((await admin.text(`/catalogue/partners/${tpl.copy.id}`)).body).toContain("retirée le");
    await waitFor(async () => (await a.database.db.selectFrom("endorsements").select("withdrawn_at").where("ap_id", "=", given.ap_id).executeTakeFirstOrThrow()).withdrawn_at, 20_000, "Delete");
    expect((await a.services.federation.partners.findProcessed(`${given.ap_id}#delete`))?.outcome).toBe("withdrawn");
    const fragment = await (await fetch(`${a.url}/achievements/${tpl.id}/partners`, { headers: { "HX-Request": "true" } })).text();
    expect(fragment).not.toContain("Un modèle exemplaire.");
    expect((await issue(tpl.id, "noe@example.org")).credentialSubject.achievement.endorsement).toBeUndefined();

    // The credential issued before still verifies; its endorsement is flagged withdrawn (a warning).
    for (const node of [a, b]) {
      const again = await node.services.verification.verify({ json: credential });
      expect(again.verified).toBe(true);
      expect(lines(again, "endorsement")).toEqual(["warn verification.endorsement.withdrawn"]);
    }
  });

  it("ignores a Delete of an endorsement sent by anyone but its endorser", async () => {
    const tpl = await publishedTemplate("Gestion de projet");
    const admin = await b.signIn("admin@b.test", { nodeAdmin: true });
    await admin.submit(`/catalogue/partners/${tpl.copy.id}/endorse`, { issuer: "univ-b", comment: "Très utile." });
    const given = await b.database.db.selectFrom("endorsements").selectAll().where("direction", "=", "given").where("subject_id", "=", tpl.obId).executeTakeFirstOrThrow();
    await waitFor(() => a.database.db.selectFrom("endorsements").select("id").where("ap_id", "=", given.ap_id).executeTakeFirst(), 20_000, "endorsement received");
    await embed(tpl.id);

    // Another issuer of B's node, correctly signed, tries to delete univ-b's endorsement.
    const other = await createIssuer(b, "univ-b2", "Université B2");
    const actor = `${b.url}/issuers/univ-b2`;
    const activityId = `${actor}#delete/forged`;
    const body = JSON.stringify({ "@context": "https://www.w3.org/ns/activitystreams", id: activityId, type: "Delete", actor, object: given.ap_id });
    const [rsa] = await b.services.federation.actorKeys.pairs(other.id);
    const signed = await signRequest(new Request(`${a.url}/inbox`, { method: "POST", headers: { "Content-Type": "application/activity+json" }, body }), rsa!.privateKey, new URL(`${actor}#main-key`));
    expect((await fetch(signed)).status).toBe(202);
    await waitFor(() => a.services.federation.partners.findProcessed(activityId), 20_000, "forged Delete processed");
    expect((await a.services.federation.partners.findProcessed(activityId))?.outcome).toBe("ignored");
    expect((await a.database.db.selectFrom("endorsements").select("withdrawn_at").where("ap_id", "=", given.ap_id).executeTakeFirstOrThrow()).withdrawn_at).toBeNull();
    const credential = await issue(tpl.id, "ines@example.org");
    expect(credential.credentialSubject.achievement.endorsement).toHaveLength(1);

    // Had univ-b's own Delete been lost, A still learns of the withdrawal from univ-b's status list.
    await b.database.db.updateTable("endorsements").set({ withdrawn_at: new Date().toISOString() }).where("id", "=", given.id).execute();
    await b.services.statusLists.markChanged(univB.id, "revocation");
    // Within a few minutes, issuing reuses what it read (no request to B per batch); after that, it reads B's list again.
    expect((await issue(tpl.id, "jade@example.org")).credentialSubject.achievement.endorsement).toHaveLength(1);
    clockA.offset = EMBED_CACHE_MS + 1000;
    try {
      expect((await issue(tpl.id, "jules@example.org")).credentialSubject.achievement.endorsement).toBeUndefined();
    } finally {
      clockA.offset = 0;
    }
    expect((await a.database.db.selectFrom("endorsements").select("withdrawn_at").where("ap_id", "=", given.ap_id).executeTakeFirstOrThrow()).withdrawn_at).not.toBeNull();
  });

  it("B endorses the issuer A itself; A shows it, and B's credentials are from a partner that endorsed A", async () => {
    const admin = await b.signIn("admin@b.test", { nodeAdmin: true });
    const page = await admin.text("/issuers/univ-b/partners/endorsements");
    expect(page.body).toContain("Recommander un établissement partenaire");
    expect((await admin.submit("/issuers/univ-b/partners/endorsements", { actorId: `${a.url}/issuers/univ-a`, comment: "" })).status).toBe(422);
    expect((await admin.submit("/issuers/univ-b/partners/endorsements", { actorId: `${a.url}/issuers/univ-a`, comment: "Partenaire fiable." })).status).toBe(303);
    const row = await waitFor(() => a.database.db.selectFrom("endorsements").selectAll().where("subject_id", "=", `${a.url}/issuers/univ-a`).executeTakeFirst(), 20_000, "issuer endorsement");
    expect(row).toMatchObject({ achievement_id: null, actor_id: `${b.url}/issuers/univ-b`, comment: "Partenaire fiable." });
    const aAdmin = await a.signIn("admin@a.test", { nodeAdmin: true });
    expect((await aAdmin.text("/issuers/univ-a/partners/endorsements")).body).toContain("Partenaire fiable.");
    expect(await a.services.federation.trust.relationsOf(`${b.url}/issuers/univ-b`)).toEqual(expect.arrayContaining([{ kind: "endorsed", localIssuer: "Université A" }]));
    // Public too: A's profile loads it (htmx, or a link without JS), in both languages.
    const profile = await (await fetch(`${a.url}/issuers/univ-a`, { headers: { Accept: "text/html" } })).text();
    expect(profile).toContain('hx-get="/issuers/univ-a/endorsements"');
    const shown = await (await fetch(`${a.url}/issuers/univ-a/endorsements`, { headers: { Accept: "text/html", "Accept-Language": "en" } })).text();
    expect(shown).toContain("Endorsements from partner institutions");
    expect(shown).toContain("Partenaire fiable.");
    expect(shown).toContain("Université B");
  });

  it("embedding is off until an admin of the template's issuer switches it on (and off again)", async () => {
    const tpl = await publishedTemplate("Robotique");
    const admin = await b.signIn("admin@b.test", { nodeAdmin: true });
    await admin.submit(`/catalogue/partners/${tpl.copy.id}/endorse`, { issuer: "univ-b", comment: "Bien conçu." });
    await waitFor(() => a.database.db.selectFrom("endorsements").select("id").where("achievement_id", "=", tpl.id).executeTakeFirst(), 20_000, "endorsement received");
    const aAdmin = await a.signIn("admin@a.test", { nodeAdmin: true });
    const page = (await aAdmin.text("/issuers/univ-a/partners/endorsements")).body;
    expect(page).toContain("recommandations que si vous");
    expect(page).toMatch(/Robotique<\/a> — 1 recommandation\(s\) —\s*<strong>non incluses<\/strong>/);
    expect((await issue(tpl.id, "default@example.org")).credentialSubject.achievement.endorsement).toBeUndefined();
    const viewer = await a.signIn("viewer@a.test");
    expect((await viewer.submit("/issuers/univ-a/partners/endorsements/embed", { achievementId: tpl.id, embed: "1" })).status).toBe(403);
    expect((await aAdmin.submit("/issuers/univ-a/partners/endorsements/embed", { achievementId: tpl.id, embed: "1" })).status).toBe(303);
    expect((await aAdmin.text("/issuers/univ-a/partners/endorsements")).body).toMatch(/Robotique<\/a> — 1 recommandation\(s\) —\s*<strong>incluses dans les nouveaux badges<\/strong>/);
    expect((await issue(tpl.id, "on@example.org")).credentialSubject.achievement.endorsement).toHaveLength(1);
    expect((await aAdmin.submit("/issuers/univ-a/partners/endorsements/embed", { achievementId: tpl.id, embed: "0" })).status).toBe(303);
    expect((await issue(tpl.id, "off@example.org")).credentialSubject.achievement.endorsement).toBeUndefined();
  });
});
