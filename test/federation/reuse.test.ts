// Scope 4: reuse with attribution between two real nodes.
import { signRequest } from "@fedify/fedify";
import { describe, expect, it } from "vitest";
import { systemActor } from "../../src/audit/audit.service.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import type { TestNode } from "../helpers/node.ts";
import { publishTemplateTo, partnerNodesAroundFile, waitFor } from "./federation-kit.ts";

let a: TestNode;
let b: TestNode;
let univA: IssuerRow;
let univB: IssuerRow;

partnerNodesAroundFile((nodes) => ({ a, b, univA, univB } = nodes));

describe("reuse with attribution", () => {
  it("copies a partner's template as a draft crediting the origin, which then shows the reuse", async () => {
    const { id: templateId, obId, copy } = await publishTemplateTo(a, univA, b, {
      name: "Secourisme", description: "Premiers secours", criteria: { narrative: "Réussir la mise en situation." }, tags: ["santé"],
      alignment: [{ targetName: "PSC1", targetUrl: "https://example.org/psc1" }],
    });

    const creator = await b.signIn("creator@b.test", { nodeAdmin: true });
    const page = await creator.text(`/catalogue/partners/${copy.id}`);
    expect(page.body).toContain("Réutiliser ce modèle");
    const res = await creator.submit(`/catalogue/partners/${copy.id}/reuse`, { issuer: "univ-b" });
    expect(res.status).toBe(303);
    const draftId = /\/achievements\/([^/]+)\/edit/.exec(res.headers.get("Location") ?? "")![1]!;
    const draft = (await b.services.achievements.load(draftId))!;
    expect(draft.row).toMatchObject({ status: "draft", issuer_id: univB.id });
    expect(draft.content).toMatchObject({
      name: "Secourisme", tags: ["santé"], alignment: [expect.objectContaining({ targetName: "PSC1" })],
      creator: { id: `${a.url}/issuers/univ-a`, name: "Université A" }, related: [{ id: obId, version: "1" }],
    });

    // The origin heard of it (Announce) and names the reusing institution on its template page.
    await waitFor(() => a.database.db.selectFrom("template_reuses").selectAll().where("achievement_id", "=", templateId).executeTakeFirst(), 20_000, "Announce");
    const fragment = await fetch(`${a.url}/achievements/${templateId}/partners`, { headers: { "HX-Request": "true" } });
    expect(await fragment.text()).toContain("Réutilisé par 1 établissement : Université B");
    const templatePage = await (await fetch(`${a.url}/achievements/${templateId}`, { headers: { Accept: "text/html" } })).text();
    expect(templatePage).toContain(`hx-get="/achievements/${templateId}/partners"`);

    // Published, the copy travels with creator = A; A confirms the credit since the original is its own.
    await b.services.achievements.publish(systemActor, draftId);
    const back = await waitFor(() => a.database.db.selectFrom("remote_templates").selectAll().where("ob_id", "=", `${b.url}/achievements/${draftId}`).executeTakeFirst(), 20_000, "copy received");
    expect(back).toMatchObject({ actor_id: `${b.url}/issuers/univ-b`, creator_id: `${a.url}/issuers/univ-a` });
    const view = await a.services.federation.sharing.view(back.id);
    expect(view?.confirmedCreator).toEqual({ id: `${a.url}/issuers/univ-a`, name: "Université A" });
    const html = await (await fetch(`${a.url}/catalogue/partners/${back.id}`)).text();
    expect(html).toContain("Créé par Université A");
  });

  it("refuses to reuse into a space where one may not create templates", async () => {
    const viewer = await b.signIn("viewer@b.test");
    const any = await b.database.db.selectFrom("remote_templates").select("id").executeTakeFirstOrThrow();
    const res = await viewer.submit(`/catalogue/partners/${any.id}/reuse`, { issuer: "univ-b" });
    expect(res.status).toBe(403);
  });
});

describe("endorsements", () => {
  it("delivers a signed EndorsementCredential that the owner verifies and shows; a forged one is dropped", async () => {
    const { id: templateId, obId, copy } = await publishTemplateTo(a, univA, b, { name: "Éco-conception", description: "Numérique responsable", criteria: { narrative: "Projet noté." } });

    const admin = await b.signIn("admin@b.test", { nodeAdmin: true });
    const res = await admin.submit(`/catalogue/partners/${copy.id}/endorse`, { issuer: "univ-b", comment: "Un modèle exemplaire." });
    expect(res.status).toBe(303);
    const given = await b.database.db.selectFrom("endorsements").selectAll().where("direction", "=", "given").executeTakeFirstOrThrow();
    const vc = JSON.parse(given.vc_json) as Record<string, any>;
    expect(vc.type).toEqual(["VerifiableCredential", "EndorsementCredential"]);
    expect(vc.issuer.id).toBe(`${b.url}/issuers/univ-b`);
    expect(vc.credentialSubject).toEqual({ id: obId, type: ["EndorsementSubject"], endorsementComment: "Un modèle exemplaire." });
    expect(vc.proof[0]).toMatchObject({ type: "DataIntegrityProof", cryptosuite: "eddsa-rdfc-2022", verificationMethod: `${b.url}/issuers/univ-b/keys/1` });

    const received = await waitFor(() => a.database.db.selectFrom("endorsements").selectAll().where("direction", "=", "received").executeTakeFirst(), 20_000, "endorsement received");
    expect(received).toMatchObject({ achievement_id: templateId, actor_id: `${b.url}/issuers/univ-b`, comment: "Un modèle exemplaire." });
    const fragment = await (await fetch(`${a.url}/achievements/${templateId}/partners`, { headers: { "HX-Request": "true" } })).text();
    expect(fragment).toContain("Un modèle exemplaire.");
    expect(fragment).toContain("signature vérifiée");

    // The same credential with its comment changed: the proof no longer holds.
    const forged = { ...vc, credentialSubject: { ...vc.credentialSubject, endorsementComment: "Modèle médiocre." } };
    const apId = `${b.url}/ap/endorsements/forged`;
    const actor = `${b.url}/issuers/univ-b`;
    const body = JSON.stringify({ "@context": "https://www.w3.org/ns/activitystreams", id: `${apId}#create`, type: "Create", actor, object: { id: apId, type: "Document", attributedTo: actor, mediaType: "application/ld+json", content: JSON.stringify(forged), inReplyTo: `${a.url}/ap/achievements/${templateId}` } });
    const [rsa] = await b.services.federation.actorKeys.pairs(univB.id);
    const signed = await signRequest(new Request(`${a.url}/inbox`, { method: "POST", headers: { "Content-Type": "application/activity+json" }, body }), rsa!.privateKey, new URL(`${actor}#main-key`));
    expect((await fetch(signed)).status).toBe(202);
    expect((await a.services.federation.partners.findProcessed(`${apId}#create`))?.outcome).toBe("dropped:proof");
    expect(await a.database.db.selectFrom("endorsements").select("id").where("ap_id", "=", apId).executeTakeFirst()).toBeUndefined();
  });
});
