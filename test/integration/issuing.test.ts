import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../../src/audit/audit.service.ts";
import { decodeStatusList, isBitSet } from "../../src/credentials/bitstring.ts";
import { createDocumentLoader } from "../../src/credentials/document-loader.ts";
import { verifyProofs } from "../../src/credentials/proof-verification.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import { createAmu, issueFromNewTemplate } from "../helpers/issuing.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";

const content = {
  name: "Tutorat", description: "A accompagné des étudiants de première année.", criteria: { narrative: "10 séances de tutorat" },
  achievementType: "Badge", inLanguage: "fr", validForDays: 365,
};

describe("issuing signed OB 3.0 credentials", () => {
  let node: TestNode;
  let issuer: IssuerRow;
  // An outside verifier: resolves keys and profiles over real HTTP, never our in-process shortcut.
  const httpLoader = createDocumentLoader({ remote: async (url) => { const r = await fetch(url, { headers: { Accept: "application/ld+json" } }); return r.ok ? r.json() : null; } });

  beforeAll(async () => {
    node = await startTestNode();
    issuer = await createAmu(node);
  });
  afterAll(async () => { await node?.close(); });

  const issueOne = (recipient = "zoe@etu.univ-amu.fr") => issueFromNewTemplate(node, issuer, content, recipient);

  it("publishes the issuer Profile as controller document and the key at its own URL", async () => {
    const profile = (await (await fetch(`${node.url}/issuers/amu`, { headers: { Accept: "application/ld+json" } })).json()) as any;
    expect(profile["@context"][0]).toBe("https://www.w3.org/ns/did/v1");
    expect(profile.type).toEqual(["Profile"]);
    expect(profile.assertionMethod).toEqual([`${node.url}/issuers/amu/keys/1`]);
    const key = (await (await fetch(profile.assertionMethod[0])).json()) as any;
    expect(key).toMatchObject({ type: "Multikey", controller: `${node.url}/issuers/amu` });
    expect(key.publicKeyMultibase).toMatch(/^z6Mk/);
    const html = await fetch(`${node.url}/issuers/amu`, { headers: { Accept: "text/html" } });
    expect(html.headers.get("content-type")).toContain("text/html");
  });

  it("issues a credential that an outside verifier accepts over HTTP", async () => {
    const row = await issueOne();
    const res = await fetch(`${node.url}/credentials/${row.id}.json`);
    expect(res.headers.get("content-type")).toContain("application/vc+ld+json");
    const doc = (await res.json()) as any;
    expect(doc.credentialSubject.identifier[0]).toMatchObject({ type: "IdentityObject", identityType: "emailAddress", hashed: true });
    expect(doc.validUntil).toBeDefined();
    expect(doc.credentialStatus).toMatchObject({ type: "BitstringStatusListEntry", statusPurpose: "revocation", statusListCredential: `${node.url}/issuers/amu/status/revocation` });
    expect(await verifyProofs(doc, httpLoader)).toEqual({ verified: true });
    const negotiated = await fetch(`${node.url}/credentials/${row.id}`, { headers: { Accept: "application/ld+json" } });
    expect(((await negotiated.json()) as any).id).toBe(doc.id);
  });

  it("revocation flips the bit a verifier reads in the signed status list", async () => {
    const row = await issueOne("max@etu.univ-amu.fr");
    const before = await fetch(`${node.url}/issuers/amu/status/revocation`);
    const etag = before.headers.get("etag")!;
    const list = (await before.json()) as any;
    expect(isBitSet(decodeStatusList(list.credentialSubject.encodedList), row.status_index)).toBe(false);
    expect(await verifyProofs(list, httpLoader)).toEqual({ verified: true });
    expect((await fetch(`${node.url}/issuers/amu/status/revocation`, { headers: { "If-None-Match": etag } })).status).toBe(304);
    const revoked = await node.services.credentials.revoke(cliActor, row.id, "Fraude constatée");
    expect(revoked.ok).toBe(true);
    const after = (await (await fetch(`${node.url}/issuers/amu/status/revocation`, { headers: { "If-None-Match": etag } })).json()) as any;
    expect(isBitSet(decodeStatusList(after.credentialSubject.encodedList), row.status_index)).toBe(true);
    const page = await (await fetch(`${node.url}/credentials/${row.id}`, { headers: { Accept: "text/html" } })).text();
    expect(page).toContain("Fraude constatée");
  });

  it("suspension is reversible and lives in its own list", async () => {
    const row = await issueOne("ana@etu.univ-amu.fr");
    expect((await node.services.credentials.suspend(cliActor, row.id, "Vérification en cours")).ok).toBe(true);
    const suspended = (await (await fetch(`${node.url}/issuers/amu/status/suspension`)).json()) as any;
    expect(isBitSet(decodeStatusList(suspended.credentialSubject.encodedList), row.status_index)).toBe(true);
    expect((await node.services.credentials.unsuspend(cliActor, row.id)).ok).toBe(true);
    const lifted = (await (await fetch(`${node.url}/issuers/amu/status/suspension`)).json()) as any;
    expect(isBitSet(decodeStatusList(lifted.credentialSubject.encodedList), row.status_index)).toBe(false);
    expect((await node.services.credentials.unsuspend(cliActor, row.id)).ok).toBe(false);
  });

  it("rotating the key keeps old credentials verifiable; a compromised key stops verifying", async () => {
    const old = await issueOne("leo@etu.univ-amu.fr");
    await node.services.keys.rotate(cliActor, issuer);
    const fresh = await issueOne("lea@etu.univ-amu.fr");
    const oldDoc = JSON.parse(old.document), freshDoc = JSON.parse(fresh.document);
    expect(freshDoc.proof[0].verificationMethod).not.toBe(oldDoc.proof[0].verificationMethod);
    expect(await verifyProofs(oldDoc, httpLoader)).toEqual({ verified: true });
    const kid = oldDoc.proof[0].verificationMethod.split("/").pop();
    expect(await node.services.keys.revoke(cliActor, issuer, kid, "compromise")).toBe(true);
    expect((await verifyProofs(oldDoc, httpLoader)).verified).toBe(false);
    expect(await verifyProofs(freshDoc, httpLoader)).toEqual({ verified: true });
  });
});
