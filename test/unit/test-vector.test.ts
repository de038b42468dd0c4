import { describe, expect, it } from "vitest";
import { createDocumentLoader } from "../../src/credentials/document-loader.ts";
import { signCredential } from "../../src/credentials/signing.ts";
import { TEST_VECTOR_CREATED, TEST_VECTOR_CREDENTIAL, TEST_VECTOR_KEY, TEST_VECTOR_PROOF_VALUE } from "../fixtures/ob3-test-vector.ts";

describe("1EdTech OB 3.0 test vector", () => {
  it("reproduces the published proofValue byte for byte through our signing code", async () => {
    const signed = await signCredential(TEST_VECTOR_CREDENTIAL, TEST_VECTOR_KEY, {
      documentLoader: createDocumentLoader(), created: new Date(TEST_VECTOR_CREATED),
    });
    expect(signed.proof).toHaveLength(1);
    expect(signed.proof[0]).toEqual({
      type: "DataIntegrityProof", created: TEST_VECTOR_CREATED, verificationMethod: TEST_VECTOR_KEY.id,
      cryptosuite: "eddsa-rdfc-2022", proofPurpose: "assertionMethod", proofValue: TEST_VECTOR_PROOF_VALUE,
    });
  });
});
