import { gzipSync } from "node:zlib";
import * as Ed25519Multikey from "@digitalbazaar/ed25519-multikey";
import { describe, expect, it } from "vitest";
import { createDocumentLoader } from "../../src/credentials/document-loader.ts";
import { signCredential, type SigningKey } from "../../src/credentials/signing.ts";
import { createVerificationService } from "../../src/verification/verification.service.ts";
import { fakeRemote } from "../fixtures/verification/fake-remote.ts";

// StatusList2021 (ob3.md §4): what DCC issued for years; VC 1.1, encodedList without the "u" prefix.
describe("reading others' StatusList2021 lists", () => {
  const LIST = "https://issuer.example/status/1";

  async function didKey(): Promise<SigningKey> {
    const pair = await Ed25519Multikey.generate();
    const { publicKeyMultibase, secretKeyMultibase } = await pair.export({ publicKey: true, secretKey: true });
    const did = `did:key:${publicKeyMultibase}`;
    return { id: `${did}#${publicKeyMultibase}`, controller: did, publicKeyMultibase, secretKeyMultibase };
  }

  async function fixtures(setIndex: number | null) {
    const key = await didKey();
    const loader = { documentLoader: createDocumentLoader() };
    const bits = Buffer.alloc(16 * 1024);
    if (setIndex !== null) bits[setIndex >> 3]! |= 0x80 >> (setIndex & 7);
    const list = await signCredential({
      "@context": ["https://www.w3.org/2018/credentials/v1", "https://w3id.org/vc/status-list/2021/v1"], id: LIST,
      type: ["VerifiableCredential", "StatusList2021Credential"], issuer: key.controller, issuanceDate: "2023-01-01T00:00:00Z",
      credentialSubject: { id: `${LIST}#list`, type: "StatusList2021", statusPurpose: "revocation", encodedList: gzipSync(bits).toString("base64url") },
    }, key, loader);
    const credential = await signCredential({
      "@context": ["https://www.w3.org/2018/credentials/v1", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json", "https://w3id.org/vc/status-list/2021/v1"],
      id: "urn:uuid:2f1e4b9c-5d55-4d0c-9f0c-3a6f2b1c0d11", type: ["VerifiableCredential", "OpenBadgeCredential"], name: "Ancien badge",
      issuer: { id: key.controller, type: ["Profile"], name: "Ancien émetteur" }, issuanceDate: "2023-02-01T00:00:00Z",
      credentialSubject: { type: ["AchievementSubject"], achievement: { id: "urn:uuid:a1", type: ["Achievement"], name: "Ancien badge", description: "d", criteria: { narrative: "c" } } },
      credentialStatus: { id: `${LIST}#42`, type: "StatusList2021Entry", statusPurpose: "revocation", statusListIndex: "42", statusListCredential: LIST },
    }, key, loader);
    return { list, credential };
  }

  const verify = (credential: object, list: object) =>
    createVerificationService({ clock: { now: () => new Date() }, remote: fakeRemote({ [LIST]: list }), local: async () => null, schemas: null }).verify({ json: credential });

  it("a clear bit: verified; the set bit: revoked", async () => {
    const clear = await fixtures(null);
    const ok = await verify(clear.credential, clear.list);
    expect(ok.verified).toBe(true);
    expect(ok.checks.find((c) => c.check === "status")).toMatchObject({ status: "pass", message: { key: "verification.status.clear.revocation" } });
    const set = await fixtures(42);
    expect((await verify(set.credential, set.list)).summary.verdict).toBe("revoked");
  });

  it("a list signed by someone else is not believed", async () => {
    const mine = await fixtures(null);
    const theirs = await fixtures(null);
    const r = await verify(mine.credential, theirs.list);
    expect(r.checks.find((c) => c.check === "status")).toMatchObject({ status: "fail", message: { key: "verification.status.otherIssuer" } });
  });
});
