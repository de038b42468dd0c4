import { readFileSync } from "node:fs";
import Ajv2019 from "ajv/dist/2019.js";
import addFormats from "ajv-formats";
import * as Ed25519Multikey from "@digitalbazaar/ed25519-multikey";
import { describe, expect, it } from "vitest";
import { buildControllerProfile, buildKeyDocument } from "../../src/credentials/controller-document.ts";
import { createDocumentLoader } from "../../src/credentials/document-loader.ts";
import { buildAchievement } from "../../src/credentials/ob3-achievement.ts";
import { buildOpenBadgeCredential, identityHash } from "../../src/credentials/ob3-credential.ts";
import { verifyProofs } from "../../src/credentials/proof-verification.ts";
import { signCredential } from "../../src/credentials/signing.ts";
import { nodeUrls } from "../../src/credentials/urls.ts";
import { sharedPath, skipIfNoShared } from "../helpers/shared-data.ts";

const urls = nodeUrls("https://badges.univ.example");
const issuer = { slug: "centrale", name: "École Centrale", website: "https://www.centrale.example", email: "badges@centrale.example" };

async function issuerKey() {
  const pair = await Ed25519Multikey.generate();
  const ex = await pair.export({ publicKey: true, secretKey: true });
  return { id: urls.issuerKey("centrale", "1"), controller: urls.issuer("centrale"), publicKeyMultibase: ex.publicKeyMultibase as string, secretKeyMultibase: ex.secretKeyMultibase as string };
}

function credential(statusIndex = 42) {
  const achievement = buildAchievement(urls, {
    id: "a1", version: 1, issuer,
    content: {
      name: "Innovation : niveau Novice", description: "Créer de la valeur", criteria: { narrative: "- Identifie les outils" },
      tags: ["Innovation"], alignment: [{ targetName: "Référentiel", targetUrl: "https://www.centrale.example/ref", targetType: "CFItem" }],
      achievementType: "Competency", inLanguage: "fr", creditsAvailable: 2.5,
      resultDescription: [{ id: "https://badges.univ.example/frameworks/f#levels", name: "Niveau", resultType: "RubricCriterionLevel", rubricCriterionLevel: [{ id: "https://badges.univ.example/frameworks/f#level-novice", name: "Novice" }], requiredLevel: "https://badges.univ.example/frameworks/f#level-novice" }],
    },
  });
  const salt = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
  return buildOpenBadgeCredential(urls, {
    id: "c1", issuer, achievement, recipient: { identityType: "emailAddress", identityHash: identityHash("zoe@etu.example", salt), salt },
    validFrom: "2026-06-30T12:00:00.000Z", awardedDate: "2026-06-30T12:00:00.000Z", statusIndex,
    result: { resultDescription: "https://badges.univ.example/frameworks/f#levels", achievedLevel: "https://badges.univ.example/frameworks/f#level-novice" },
    evidence: { id: "https://moodle.centrale.example/evidence/1", narrative: "Projet 1A" },
  });
}

describe("OpenBadgeCredential we emit", () => {
  it("hashes the recipient as OB 3.0 says (spec example)", () => {
    expect(identityHash("a@example.com", "Kosher")).toBe("sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399");
  });

  it("signs with eddsa-rdfc-2022 and verifies with @digitalbazaar/vc against our key URL and controller profile", async () => {
    const key = await issuerKey();
    const keys = [{ kid: "1", publicKeyMultibase: key.publicKeyMultibase }];
    const docs = new Map<string, unknown>([
      [urls.issuer("centrale"), buildControllerProfile(urls, issuer, keys)],
      [key.id, buildKeyDocument(urls, "centrale", keys[0]!)],
    ]);
    const loader = createDocumentLoader({ local: async (u) => docs.get(u) ?? null });
    const signed = await signCredential(credential(), key, { documentLoader: loader });
    expect(signed.proof).toHaveLength(1);
    expect(signed.proof[0]).toMatchObject({ type: "DataIntegrityProof", cryptosuite: "eddsa-rdfc-2022", verificationMethod: key.id });
    expect(await verifyProofs(signed, loader)).toEqual({ verified: true });
    const tampered = structuredClone(signed) as any;
    tampered.credentialSubject.achievement.name = "Innovation : niveau Expert";
    expect((await verifyProofs(tampered, loader)).verified).toBe(false);
  });

  it("adds an Ed25519Signature2020 proof when asked, and both verify", async () => {
    const key = await issuerKey();
    const keys = [{ kid: "1", publicKeyMultibase: key.publicKeyMultibase }];
    const docs = new Map<string, unknown>([[urls.issuer("centrale"), buildControllerProfile(urls, issuer, keys)], [key.id, buildKeyDocument(urls, "centrale", keys[0]!)]]);
    const loader = createDocumentLoader({ local: async (u) => docs.get(u) ?? null });
    const signed = await signCredential(credential(), key, { documentLoader: loader, suites: ["eddsa-rdfc-2022", "Ed25519Signature2020"] });
    expect(signed.proof.map((p: any) => p.type)).toEqual(["DataIntegrityProof", "Ed25519Signature2020"]);
    expect(await verifyProofs(signed, loader)).toEqual({ verified: true });
  });

  it("fails loudly on a context that is not bundled", async () => {
    const key = await issuerKey();
    const doc = { ...credential(), "@context": ["https://www.w3.org/ns/credentials/v2", "https://example.org/unknown-context.json"] };
    await expect(signCredential(doc, key, { documentLoader: createDocumentLoader() })).rejects.toThrow(/unknown-context\.json/);
  });

  it("passes the official OB 3.0 JSON Schema once signed", async (ctx) => {
    if (skipIfNoShared(ctx, "ob3", "schema", "ob_v3p0_achievementcredential_schema.json")) return;
    const key = await issuerKey();
    const signed = await signCredential(credential(), key, { documentLoader: createDocumentLoader() });
    const schema = JSON.parse(readFileSync(sharedPath("ob3", "schema", "ob_v3p0_achievementcredential_schema.json"), "utf8"));
    const ajv = new Ajv2019.default({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    expect(validate(signed), JSON.stringify(validate.errors, null, 1)).toBe(true);
  });
});
