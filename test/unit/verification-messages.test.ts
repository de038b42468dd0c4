import { describe, expect, it } from "vitest";
import { translator } from "../../src/i18n/i18n.ts";
import { renderMessage } from "../../src/verification/messages.ts";
import { createVerificationService, type VerifyInput } from "../../src/verification/verification.service.ts";
import { fakeRemote } from "../fixtures/verification/fake-remote.ts";
import { itxt, png } from "../fixtures/verification/png.ts";

// Every line a visitor can get is a finished sentence in both languages: no raw key, no "{param}".
describe("verification messages", () => {
  const did = "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi";
  const vc = (extra: object) => ({ "@context": ["https://www.w3.org/ns/credentials/v2"], type: ["VerifiableCredential"], issuer: "https://x.example/i", ...extra });
  const inputs: VerifyInput[] = [
    { json: { hello: "world" } },
    { json: vc({ proof: { type: "DataIntegrityProof", cryptosuite: "eddsa-rdfc-2022", verificationMethod: "https://x.example/i#z6Mk" } }) },
    { json: vc({ validFrom: "2999-01-01T00:00:00Z", proof: { type: "DataIntegrityProof", cryptosuite: "eddsa-rdfc-2022", verificationMethod: did, proofValue: "z1" } }) },
    { json: vc({ validUntil: "2000-01-01T00:00:00Z", validFrom: "x", proof: { type: "JsonWebSignature2020" }, credentialStatus: [{ type: "BitstringStatusListEntry", statusListIndex: "1", statusListCredential: "https://x.example/s", statusPurpose: "revocation" }, { type: "Other" }] }) },
    { json: vc({ proof: { type: "DataIntegrityProof", cryptosuite: "eddsa-rdfc-2022", verificationMethod: "did:web:x.example#k" }, credentialStatus: { type: "1EdTechRevocationList", id: "https://x.example/r" } }) },
    { json: vc({ proof: { type: "DataIntegrityProof", cryptosuite: "eddsa-rdfc-2022", verificationMethod: "did:example:1" } }) },
    { json: { type: "Assertion", id: "https://x.example/a", recipient: {}, badge: "https://x.example/b", verification: { type: "hosted" }, issuedOn: "2020-01-01T00:00:00Z" } },
    { json: { type: "Assertion", id: "https://x.example/a", recipient: {}, badge: "https://x.example/b", verification: { type: "signed" }, issuedOn: "2020-01-01T00:00:00Z" } },
    { text: "eyJhbGciOiJSUzI1NiJ9.eyJ2YyI6eyJ0eXBlIjpbIlZlcmlmaWFibGVDcmVkZW50aWFsIl19fQ.c2ln" },
    { text: "eyJhbGciOiJSUzI1NiIsImtpZCI6Imh0dHBzOi8veC5leGFtcGxlL2sifQ.eyJ2YyI6eyJ0eXBlIjpbIlZlcmlmaWFibGVDcmVkZW50aWFsIl19fQ.c2ln" },
    { text: "{ broken" }, { text: "" }, { text: "hello" }, { url: "ftp://x.example/a" }, { url: "https://x.example/nothing" },
    { bytes: png() }, { bytes: png(itxt("openbadgecredential", "{}"), itxt("openbadgecredential", "{}")) }, { bytes: png().subarray(0, 20) },
    { bytes: Buffer.from("<svg xmlns='http://www.w3.org/2000/svg'></svg>") }, { bytes: Buffer.from("<svg><a></svg>") },
  ];

  it("renders every line of many broken inputs in French and English", async () => {
    const remote = fakeRemote({ "https://x.example/s": { hello: 1 }, "https://x.example/r": { status: 500 } });
    const service = createVerificationService({ clock: { now: () => new Date() }, remote, local: async () => null, schemas: null });
    const keys = new Set<string>();
    for (const input of inputs) {
      const report = await service.verify(input, { email: "a@b.example" });
      for (const check of report.checks) {
        for (const locale of ["fr", "en"] as const) {
          const text = renderMessage(translator(locale), check.message);
          expect(text, `${locale} ${check.message.key}`).not.toMatch(/\{\w+\}|^verification\./);
          keys.add(check.message.key);
        }
        const t = translator("en");
        expect(t(`verification.check.${check.check}`)).not.toMatch(/^verification\./);
      }
      expect(translator("fr")(`verification.verdict.${report.summary.verdict}`)).not.toMatch(/^verification\./);
    }
    expect(keys.size).toBeGreaterThan(25);
  });
});
