import { CompactSign, exportJWK, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { createVerificationService, type VerificationReport } from "../../src/verification/verification.service.ts";
import { fakeRemote, type Served } from "../fixtures/verification/fake-remote.ts";

// VC-JWT (OB 3.0 §8.2 / ob3.md §1.11): RS256 at least, key in `jwk` or behind `kid`.
describe("VC-JWT credentials", () => {
  const issuer = "https://badges.example.edu/issuers/1";
  const credential = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
    id: "https://badges.example.edu/credentials/42", type: ["VerifiableCredential", "OpenBadgeCredential"], name: "Badge JWT",
    issuer: { id: issuer, type: ["Profile"], name: "Exemple" }, validFrom: "2024-01-01T00:00:00Z",
    credentialSubject: { type: ["AchievementSubject"], achievement: { id: "https://badges.example.edu/achievements/1", type: ["Achievement"], name: "Badge JWT", description: "d", criteria: { narrative: "c" } } },
  };
  const verifier = (sites: Record<string, Served> = {}) => createVerificationService({ clock: { now: () => new Date() }, remote: fakeRemote(sites), local: async () => null, schemas: null });
  const lines = (r: VerificationReport) => Object.fromEntries(r.checks.map((c) => [c.check, `${c.status} ${c.message.key}`]));

  async function sign(header: Record<string, unknown>, payload: object, key: CryptoKey) {
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: "RS256", typ: "JWT", ...header }).sign(key);
  }

  it("verifies with the key in the header (and says nothing ties that key to the issuer)", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
    const jws = await sign({ jwk: await exportJWK(publicKey) }, { vc: credential, iss: issuer, jti: credential.id, nbf: 1704067200 }, privateKey);
    const r = await verifier().verify({ text: jws });
    expect(r.verified).toBe(true);
    expect(lines(r)).toMatchObject({ input: "pass verification.input.jws", proof: "pass verification.jwt.valid", key: "warn verification.jwt.embeddedKey", issuer: "warn verification.issuer.unproven" });
  });

  it("verifies with a kid published under the issuer's URL; tampering and alg none fail", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
    const kid = `${issuer}/jwks#k1`;
    const sites = { [`${issuer}/jwks`]: { keys: [{ ...(await exportJWK(publicKey)), kid: "k1" }] } };
    const jws = await sign({ kid }, { vc: credential, iss: issuer }, privateKey);
    const r = await verifier(sites).verify({ bytes: Buffer.from(jws) });
    expect(lines(r)).toMatchObject({ proof: "pass verification.jwt.valid", key: "pass verification.jwt.kid", issuer: "pass verification.issuer.controls" });
    const [h, , s] = jws.split(".");
    const forged = `${h}.${Buffer.from(JSON.stringify({ vc: { ...credential, name: "Autre" }, iss: issuer })).toString("base64url")}.${s}`;
    expect(lines(await verifier(sites).verify({ text: forged })).proof).toBe("fail verification.proof.invalid");
    const none = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${jws.split(".")[1]}.`;
    expect(lines(await verifier(sites).verify({ text: none })).proof).toBe("fail verification.jwt.badAlg");
  });

  it("refuses a token whose iss is not the credential's issuer", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
    const jws = await sign({ jwk: await exportJWK(publicKey) }, { vc: credential, iss: "https://evil.example" }, privateKey);
    expect(lines(await verifier().verify({ text: jws })).issuer).toBe("fail verification.jwt.issMismatch");
  });
});
