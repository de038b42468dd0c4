import { describe, expect, it } from "vitest";
import { loadSchemaSet } from "../../src/verification/json-schemas.ts";
import { createVerificationService, type VerificationReport } from "../../src/verification/verification.service.ts";
import { fakeRemote, type Served } from "../fixtures/verification/fake-remote.ts";
import { readShared, sharedPath, skipIfNoShared } from "../helpers/shared-data.ts";

// The 1EdTech validator's fixtures (ob3.md §7) and what OB30Tests.java expects of them, read by
// our verifier without a network: issuers' sites do not exist here unless a test serves them.
const OB30 = "ob3/samples/1edtech-validator/ob30";
const sample = (name: string) => readShared(OB30, name);
const json = (name: string) => JSON.parse(sample(name).toString("utf8"));

function verifier(sites: Record<string, Served> = {}) {
  return createVerificationService({ clock: { now: () => new Date("2026-06-01T00:00:00Z") }, remote: fakeRemote(sites), local: async () => null, schemas: loadSchemaSet(sharedPath("ob3/schema")) });
}

const lines = (r: VerificationReport) => Object.fromEntries(r.checks.map((c) => [c.check, `${c.status} ${c.message.key}`]));

describe("1EdTech validator samples", () => {
  it("simple.json: valid; its key comes from the issuer#z6Mk… URL itself, which no site confirms (warning)", async (ctx) => {
    if (skipIfNoShared(ctx, OB30)) return;
    const r = await verifier().verify({ bytes: sample("simple.json") });
    expect(r.verified).toBe(true);
    expect(lines(r)).toMatchObject({ structure: "pass verification.structure.ok", schema: "pass verification.schema.valid", proof: "pass verification.proof.valid", key: "warn verification.key.fragmentOnly", issuer: "pass verification.issuer.controls", status: "skip verification.status.none" });
  });

  it("simple.json altered by one character: the proof fails", async (ctx) => {
    if (skipIfNoShared(ctx, OB30)) return;
    const doc = json("simple.json");
    doc.name = doc.name.replace(/.$/, (ch: string) => (ch === "x" ? "y" : "x"));
    const r = await verifier().verify({ json: doc });
    expect(r.verified).toBe(false);
    expect(lines(r).proof).toBe("fail verification.proof.invalid");
  });

  it("a controller document that is published but lacks the key wins over the fragment", async (ctx) => {
    if (skipIfNoShared(ctx, OB30)) return;
    const r = await verifier({ "https://example.com/issuers/876543": { id: "https://example.com/issuers/876543", assertionMethod: [] } }).verify({ json: json("simple.json") });
    expect(r.verified).toBe(false);
    expect(lines(r).key).toBe("fail verification.key.notListed");
  });

  it("simple_v1.json (VC 1.1 + Ed25519Signature2020): valid, schema warning as 1EdTech gives", async (ctx) => {
    if (skipIfNoShared(ctx, OB30)) return;
    const r = await verifier().verify({ json: json("simple_v1.json") });
    expect(r.verified).toBe(true);
    expect(lines(r)).toMatchObject({ structure: "pass verification.structure.okVc11", schema: "warn verification.schema.vc11", proof: "pass verification.proof.valid" });
  });

  it("simple-did-key-method.json: valid offline; the urn:uuid issuer does not control the did:key (warning)", async (ctx) => {
    if (skipIfNoShared(ctx, OB30)) return;
    const remote = fakeRemote({});
    const r = await createVerificationService({ clock: { now: () => new Date() }, remote, local: async () => null, schemas: null }).verify({ json: json("simple-did-key-method.json") });
    expect(r.verified).toBe(true);
    expect(lines(r)).toMatchObject({ key: "pass verification.key.didKey", issuer: "warn verification.issuer.didKey", schema: "skip verification.schema.notInstalled" });
    expect(remote.asked).toEqual([]); // did:key needs no network
  });

  it("simple-did-web-method.json (issuer#fragment key despite its name): valid, single proof object read as a list (warning)", async (ctx) => {
    if (skipIfNoShared(ctx, OB30)) return;
    const r = await verifier().verify({ json: json("simple-did-web-method.json") });
    expect(r.verified).toBe(true);
    expect(lines(r)).toMatchObject({ schema: "warn verification.schema.compactForm", proof: "pass verification.proof.valid" });
  });

  it("simple-eddsa-2022.json: valid with the deprecated cryptosuite flagged (1EdTech: warning)", async (ctx) => {
    if (skipIfNoShared(ctx, OB30)) return;
    const r = await verifier().verify({ json: json("simple-eddsa-2022.json") });
    expect(r.verified).toBe(true);
    expect(lines(r).proof).toBe("warn verification.proof.legacy");
  });

  it("endorsement-valid.json: valid EndorsementCredential", async (ctx) => {
    if (skipIfNoShared(ctx, OB30)) return;
    const r = await verifier().verify({ json: json("endorsement-valid.json") });
    expect(r.verified).toBe(true);
    expect(lines(r)).toMatchObject({ structure: "pass verification.structure.ok", schema: "pass verification.schema.valid", proof: "pass verification.proof.valid" });
  });

  it("complete.json: not verified while its 1EdTech revocation list cannot be read; its endorsements use an unknown cryptosuite", async (ctx) => {
    if (skipIfNoShared(ctx, OB30)) return;
    const offline = await verifier().verify({ json: json("complete.json") });
    expect(offline.verified).toBe(false);
    expect(lines(offline)).toMatchObject({ proof: "pass verification.proof.valid", status: "fail verification.status.unreachable", endorsements: "warn verification.endorsements.some" });
    const served = await verifier({ "https://1edtech.edu/credentials/3732/revocations": { revokedCredential: [] } }).verify({ json: json("complete.json") });
    expect(lines(served).status).toBe("pass verification.status.clear.revocation");
    expect(served.verified).toBe(true);
  });

  it("credential-status-revoked.json (did:web key, 1EdTechRevocationList): revoked once both are served, a clear failure otherwise", async (ctx) => {
    if (skipIfNoShared(ctx, OB30)) return;
    const doc = json("credential-status-revoked.json");
    const did = doc.issuer.id as string;
    const vm = `${did}#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi`;
    const offline = await verifier().verify({ json: doc });
    expect(lines(offline)).toMatchObject({ key: "fail verification.key.didWebUnresolved", status: "fail verification.status.unreachable" });
    const r = await verifier({
      "https://dc.1edtech.org/wellspring2022/wellspring-portal/org/da1e96e9-afcc-4eed-b9a2-2ddf7353214c/did.json": {
        "@context": ["https://www.w3.org/ns/did/v1"], id: did,
        verificationMethod: [{ id: vm, type: "Ed25519VerificationKey2020", controller: did, publicKeyMultibase: "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi" }],
        assertionMethod: [vm],
      },
      [doc.credentialStatus.id]: { revokedCredential: [{ id: doc.id, revoked: true, revocationReason: "Test" }] },
    }).verify({ json: doc });
    expect(lines(r)).toMatchObject({ proof: "pass verification.proof.valid", key: "pass verification.key.didWeb", issuer: "pass verification.issuer.controls", status: "fail verification.status.revokedBecause" });
    expect(r.summary).toMatchObject({ verdict: "revoked", reason: "Test" });
  });

  it("bit-string-list/credential-status-revoked.json: revoked by bit 23 of 1EdTech's signed BitstringStatusList", async (ctx) => {
    if (skipIfNoShared(ctx, OB30)) return;
    const doc = json("bit-string-list/credential-status-revoked.json");
    const r = await verifier({ [doc.credentialStatus.statusListCredential]: json("bit-string-list/testlist") }).verify({ json: doc });
    expect(r.summary.verdict).toBe("revoked");
    expect(lines(r).status).toBe("fail verification.status.revoked");
  });

  it("simple-json.svg: the baked credential verifies", async (ctx) => {
    if (skipIfNoShared(ctx, OB30)) return;
    const r = await verifier().verify({ bytes: sample("simple-json.svg") });
    expect(r.verified).toBe(true);
    expect(r.checks[0]).toMatchObject({ check: "input", status: "pass", message: { key: "verification.input.baked", params: { place: "SVG openbadges:credential" } } });
  });

  it("simple.jwt: not verified, its JOSE header names no key (1EdTech's ExternalProofProbe says the same)", async (ctx) => {
    if (skipIfNoShared(ctx, OB30)) return;
    const r = await verifier().verify({ text: sample("simple.jwt").toString("utf8") });
    expect(r.verified).toBe(false);
    expect(lines(r).proof).toBe("fail verification.jwt.noKey");
  });
});
