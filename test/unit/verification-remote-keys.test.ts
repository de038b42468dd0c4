import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { encodeStatusList } from "../../src/credentials/bitstring.ts";
import { createDocumentLoader } from "../../src/credentials/document-loader.ts";
import { signCredential } from "../../src/credentials/signing.ts";
import { createRemoteFetch } from "../../src/verification/remote-fetch.ts";
import { createVerificationService, type VerificationReport } from "../../src/verification/verification.service.ts";
import { startRemoteIssuer, type RemoteIssuer } from "../fixtures/verification/remote-issuer.ts";

// Other issuers' keys and status lists over real HTTP (loopback), through the guarded fetcher.
describe("keys and status lists of other sites", () => {
  let site: RemoteIssuer;
  beforeAll(async () => { site = await startRemoteIssuer(); });
  afterAll(async () => { await site?.close(); });
  afterEach(() => { site.routes.clear(); site.publish(); });

  const verifier = (allowPrivateAddress = true) => createVerificationService({
    clock: { now: () => new Date() }, local: async () => null, schemas: null,
    remote: createRemoteFetch({ allowPrivateAddress, timeoutMs: 400, maxBytes: 256 * 1024, cacheTtlMs: 0 }),
  });
  const find = (r: VerificationReport, check: string) => r.checks.find((c) => c.check === check)!;

  it("verifies a credential whose key URL and controller profile are served over HTTP", async () => {
    const r = await verifier().verify({ json: await site.credential() });
    expect(r.verified).toBe(true);
    expect(find(r, "key")).toMatchObject({ status: "pass", message: { key: "verification.key.published", params: { vm: site.key.id, controller: site.issuerId } } });
    expect(find(r, "issuer").status).toBe("pass");
  });

  it("a key URL answering HTML: not verified, and says so", async () => {
    site.routes.set("/keys/1", { type: "text/html", body: "<!doctype html><title>Key</title>" });
    const key = find(await verifier().verify({ json: await site.credential() }), "key");
    expect(key).toMatchObject({ status: "fail", message: { key: "verification.key.unreachable", cause: { key: "verification.fetch.notJson" } } });
  });

  it("a key URL answering too slowly: not verified because of the timeout", async () => {
    site.routes.set("/keys/1", { body: site.keyDoc, delayMs: 2000 });
    const r = await verifier().verify({ json: await site.credential() });
    expect(r.verified).toBe(false);
    expect(find(r, "key").message.cause).toEqual({ key: "verification.fetch.timeout", params: { url: site.key.id, seconds: 0.4 } });
  });

  it("refuses the loopback issuer when private addresses are not allowed", async () => {
    const r = await verifier(false).verify({ json: await site.credential() });
    expect(r.verified).toBe(false);
    expect(find(r, "key").message.cause?.key).toBe("verification.fetch.private");
  });

  it("a revoked key, and a key the controller does not list, are refused", async () => {
    site.routes.set("/keys/1", { body: { ...site.keyDoc, revoked: "2025-01-01T00:00:00Z" } });
    expect(find(await verifier().verify({ json: await site.credential() }), "key").message.key).toBe("verification.key.revoked");
    site.publish();
    site.routes.set("/issuer", { body: { ...site.profile, assertionMethod: [] } });
    expect(find(await verifier().verify({ json: await site.credential() }), "key").message.key).toBe("verification.key.notAuthorised");
  });

  it("a key controlled by someone else than the issuer: the issuer line fails", async () => {
    const doc = await site.credential({ issuer: { id: "https://autre.example/issuer", type: ["Profile"], name: "Autre" } });
    const r = await verifier().verify({ json: doc });
    expect(find(r, "proof").status).toBe("pass");
    expect(find(r, "issuer")).toMatchObject({ status: "fail", message: { key: "verification.issuer.mismatch" } });
  });

  it("a status list that is not a status list, and a real one with the bit set", async () => {
    const status = { id: `${site.origin}/status#7`, type: "BitstringStatusListEntry", statusPurpose: "revocation", statusListIndex: "7", statusListCredential: `${site.origin}/status` };
    site.routes.set("/status", { body: { hello: "world" } });
    const doc = await site.credential({ credentialStatus: status });
    expect(find(await verifier().verify({ json: doc }), "status")).toMatchObject({ status: "fail", message: { key: "verification.status.notAList" } });
    site.routes.set("/status", { type: "text/html", body: "<html></html>" });
    expect(find(await verifier().verify({ json: doc }), "status").message).toMatchObject({ key: "verification.status.unreachable", cause: { key: "verification.fetch.notJson" } });
    const list = await signCredential({
      "@context": ["https://www.w3.org/ns/credentials/v2"], id: `${site.origin}/status`, type: ["VerifiableCredential", "BitstringStatusListCredential"],
      issuer: site.issuerId, validFrom: "2024-01-01T00:00:00Z",
      credentialSubject: { id: `${site.origin}/status#list`, type: "BitstringStatusList", statusPurpose: "revocation", encodedList: encodeStatusList([7]) },
    }, site.key, { documentLoader: createDocumentLoader() });
    site.routes.set("/status", { body: list });
    const r = await verifier().verify({ json: doc });
    expect(r.summary.verdict).toBe("revoked");
  });
});
