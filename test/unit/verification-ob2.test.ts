import { CompactSign, exportSPKI, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRemoteFetch } from "../../src/verification/remote-fetch.ts";
import { createVerificationService, type VerificationReport } from "../../src/verification/verification.service.ts";
import { itxt, png, text } from "../fixtures/verification/png.ts";
import { startRemoteIssuer, type RemoteIssuer } from "../fixtures/verification/remote-issuer.ts";
import { readShared, skipIfNoShared } from "../helpers/shared-data.ts";

// OB 2.0 hosted assertions: 1EdTech's ob20 fixtures served from a loopback site, their
// example.org ids rewritten to it (the validator maps them the same way in its tests).
describe("Open Badges 2.0", () => {
  let site: RemoteIssuer;
  let assertion: Record<string, any>;
  beforeAll(async () => { site = await startRemoteIssuer(); });
  afterAll(async () => { await site?.close(); });

  const verifier = () => createVerificationService({
    clock: { now: () => new Date() }, local: async () => null, schemas: null,
    remote: createRemoteFetch({ allowPrivateAddress: true, timeoutMs: 1000, maxBytes: 256 * 1024, cacheTtlMs: 0 }),
  });
  const lines = (r: VerificationReport) => Object.fromEntries(r.checks.map((c) => [c.check, `${c.status} ${c.message.key}`]));

  function serveFixtures(): boolean {
    const read = (name: string) => JSON.parse(readShared("ob3/samples/1edtech-validator/ob20", name).toString("utf8"));
    const rewrite = (doc: any) => JSON.parse(JSON.stringify(doc).replaceAll("https://example.org/", `${site.origin}/`).replaceAll("http://example.org/", `${site.origin}/`));
    assertion = rewrite(read("basic-assertion.json"));
    const badge = rewrite({ ...read("assets/badgeclass1.json"), id: "https://example.org/robotics-badge.json" });
    site.routes.set("/beths-robotics-badge.json", { body: assertion });
    site.routes.set("/robotics-badge.json", { body: badge });
    site.routes.set("/issuer1.json", { body: rewrite(read("assets/issuer1.json")) });
    return true;
  }

  it("basic-assertion.json (hosted): valid, and issued to nobody@example.org", async (ctx) => {
    if (skipIfNoShared(ctx, "ob3/samples/1edtech-validator/ob20")) return;
    serveFixtures();
    const r = await verifier().verify({ json: assertion }, { email: "nobody@example.org" });
    expect(r).toMatchObject({ verified: true, kind: "ob2", summary: { verdict: "valid", name: "Example Badge", issuerName: "Example Issuer" } });
    expect(lines(r)).toMatchObject({ structure: "pass verification.ob2.structure", hosted: "pass verification.ob2.hosted", badgeclass: "pass verification.ob2.badgeClass", issuer: "pass verification.ob2.issuer", dates: "pass verification.dates.validSince", recipient: "pass verification.recipient.match" });
    const other = await verifier().verify({ json: assertion }, { email: "beth@example.org" });
    expect(lines(other).recipient).toBe("fail verification.recipient.noMatch");
  });

  it("by URL, baked in a PNG (iTXt JSON), and baked the legacy way (tEXt URL)", async (ctx) => {
    if (skipIfNoShared(ctx, "ob3/samples/1edtech-validator/ob20")) return;
    serveFixtures();
    expect((await verifier().verify({ url: assertion.id })).verified).toBe(true);
    expect((await verifier().verify({ bytes: png(itxt("openbadges", JSON.stringify(assertion))) })).verified).toBe(true);
    const legacy = await verifier().verify({ bytes: png(text("openbadges", assertion.id)) });
    expect(legacy.verified).toBe(true);
  });

  it("410 Gone at the assertion's id means revoked, with the reason given", async (ctx) => {
    if (skipIfNoShared(ctx, "ob3/samples/1edtech-validator/ob20")) return;
    serveFixtures();
    site.routes.set("/beths-robotics-badge.json", { status: 410, body: { id: assertion.id, revoked: true, revocationReason: "Badge décerné par erreur" } });
    const r = await verifier().verify({ json: assertion });
    expect(r.summary).toMatchObject({ verdict: "revoked", reason: "Badge décerné par erreur" });
    const byUrl = await verifier().verify({ url: assertion.id });
    expect(byUrl.summary.verdict).toBe("revoked");
  });

  it("an assertion hosted outside the issuer's origin is refused", async (ctx) => {
    if (skipIfNoShared(ctx, "ob3/samples/1edtech-validator/ob20")) return;
    serveFixtures();
    site.routes.set("/issuer1.json", { body: { id: "https://elsewhere.example/issuer", type: "Issuer", name: "Ailleurs", url: "https://elsewhere.example", email: "a@elsewhere.example" } });
    const r = await verifier().verify({ json: assertion });
    expect(lines(r).issuer).toBe("fail verification.ob2.originMismatch");
  });

  it("signed assertion: RS256 JWS checked with the issuer's CryptographicKey, RevocationList read", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    const o = site.origin;
    const signed = {
      "@context": "https://w3id.org/openbadges/v2", type: "Assertion", id: "urn:uuid:7c0f9c1b-6c0a-4a59-9e0e-2d8f3c1b0a11",
      recipient: { type: "email", hashed: false, identity: "zoe@example.org" }, badge: `${o}/signed-badge.json`,
      verification: { type: "signed", creator: `${o}/key.json` }, issuedOn: "2024-02-01T00:00:00Z",
    };
    site.routes.set("/signed-badge.json", { body: { id: `${o}/signed-badge.json`, type: "BadgeClass", name: "Signé", description: "d", image: `${o}/i.png`, criteria: { narrative: "c" }, issuer: `${o}/signed-issuer.json` } });
    site.routes.set("/signed-issuer.json", { body: { id: `${o}/signed-issuer.json`, type: "Issuer", name: "Émetteur signé", url: o, email: "a@example.org", publicKey: `${o}/key.json`, revocationList: `${o}/revocations.json` } });
    site.routes.set("/key.json", { body: { id: `${o}/key.json`, type: "CryptographicKey", owner: `${o}/signed-issuer.json`, publicKeyPem: await exportSPKI(publicKey) } });
    site.routes.set("/revocations.json", { body: { id: `${o}/revocations.json`, type: "RevocationList", revokedAssertions: [] } });
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(signed))).setProtectedHeader({ alg: "RS256" }).sign(privateKey);
    const r = await verifier().verify({ text: jws }, { email: "zoe@example.org" });
    expect(r.verified).toBe(true);
    expect(lines(r)).toMatchObject({ proof: "pass verification.jwt.valid", key: "pass verification.jwt.kid", status: "pass verification.status.clear.revocation", recipient: "pass verification.recipient.match" });
    site.routes.set("/revocations.json", { body: { id: `${o}/revocations.json`, type: "RevocationList", revokedAssertions: [{ id: signed.id, revocationReason: "Erreur" }] } });
    expect((await verifier().verify({ text: jws })).summary).toMatchObject({ verdict: "revoked", reason: "Erreur" });
    const tampered = jws.split(".");
    tampered[1] = Buffer.from(JSON.stringify({ ...signed, issuedOn: "2020-01-01T00:00:00Z" })).toString("base64url");
    expect(lines(await verifier().verify({ text: tampered.join(".") })).proof).toBe("fail verification.proof.invalid");
  });
});
