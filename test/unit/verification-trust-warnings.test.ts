import * as Ed25519Multikey from "@digitalbazaar/ed25519-multikey";
import { describe, expect, it } from "vitest";
import { OB_V3 } from "../../src/credentials/contexts.ts";
import { createDocumentLoader } from "../../src/credentials/document-loader.ts";
import { signCredential, type SigningKey } from "../../src/credentials/signing.ts";
import { translator } from "../../src/i18n/i18n.ts";
import type { PartnerDirectory } from "../../src/verification/checks/partner.ts";
import { renderMessage } from "../../src/verification/messages.ts";
import { createVerificationService, type VerificationReport } from "../../src/verification/verification.service.ts";
import { fakeRemote } from "../fixtures/verification/fake-remote.ts";

// Security review: a did:key proves a document was not altered, not who signed it. A credential or an
// endorsement signed by any did:key while claiming a known issuer must not be shown under that name.
const PARTNER = "https://partner.example/issuers/1";
const VC2 = "https://www.w3.org/ns/credentials/v2";
const loader = { documentLoader: createDocumentLoader() };

async function didKey(): Promise<SigningKey> {
  const pair = await Ed25519Multikey.generate();
  const { publicKeyMultibase, secretKeyMultibase } = await pair.export({ publicKey: true, secretKey: true });
  const did = `did:key:${publicKeyMultibase}`;
  return { id: `${did}#${publicKeyMultibase}`, controller: did, publicKeyMultibase, secretKeyMultibase };
}

function badge(issuer: object, extra: object = {}) {
  return {
    "@context": [VC2, OB_V3], id: "urn:uuid:0b5e1b2a-7c1d-4a57-9d8e-2f3c4d5e6f70", type: ["VerifiableCredential", "OpenBadgeCredential"],
    name: "Secourisme", issuer: { type: ["Profile"], ...issuer }, validFrom: "2026-01-01T00:00:00Z",
    credentialSubject: { type: ["AchievementSubject"], achievement: { id: "urn:uuid:a1", type: ["Achievement"], name: "Secourisme", description: "d", criteria: { narrative: "c" } } },
    ...extra,
  };
}

function endorsement(issuer: object) {
  return {
    "@context": [VC2, OB_V3], id: "urn:uuid:5d1c7e0a-3b2f-4c8d-9e1a-6f7b8c9d0e1f", type: ["VerifiableCredential", "EndorsementCredential"],
    name: "Recommandation", issuer: { type: ["Profile"], ...issuer }, validFrom: "2026-01-01T00:00:00Z",
    credentialSubject: { id: "urn:uuid:a1", type: ["EndorsementSubject"], endorsementComment: "Formation reconnue." },
  };
}

const directory = (known: string[]): PartnerDirectory => ({
  relationsOf: async (id) => (known.includes(id) ? [{ kind: "follows", localIssuer: "Notre école" }] : []),
});
const verifier = (partners?: PartnerDirectory) =>
  createVerificationService({ clock: { now: () => new Date("2026-06-01T00:00:00Z") }, remote: fakeRemote({}), local: async () => null, schemas: null, partners });
const lines = (r: VerificationReport, check: string) => r.checks.filter((c) => c.check === check).map((c) => `${c.status} ${c.message.key}`);

describe("keys nothing ties to the claimed issuer", () => {
  it("shows no 'known partner' line for a credential signed by any did:key that claims a partner's id", async () => {
    const key = await didKey();
    const forged = await signCredential(badge({ id: PARTNER, name: "Partenaire" }), key, loader);
    const r = await verifier(directory([PARTNER, key.controller])).verify({ json: forged });
    expect(lines(r, "issuer")).toEqual(["warn verification.issuer.didKey"]);
    expect(lines(r, "partner")).toEqual([]);

    // A key URL under the partner's address, its site unreachable: the key is read from the URL itself, unconfirmed.
    const fragment = await signCredential(badge({ id: PARTNER, name: "Partenaire" }), { ...key, id: `${PARTNER}#${key.publicKeyMultibase}`, controller: PARTNER }, loader);
    const unconfirmed = await verifier(directory([PARTNER])).verify({ json: fragment });
    expect(lines(unconfirmed, "key")).toEqual(["warn verification.key.fragmentOnly"]);
    expect(lines(unconfirmed, "partner")).toEqual([]);

    // The same directory still names a partner whose key is its own identifier (the issuer check passes).
    const honest = await signCredential(badge({ id: key.controller, name: "Partenaire" }), key, loader);
    const ok = await verifier(directory([PARTNER, key.controller])).verify({ json: honest });
    expect(lines(ok, "issuer")).toEqual(["pass verification.issuer.controls"]);
    expect(lines(ok, "partner")).toEqual(["pass verification.partner.follows"]);
  });

  it("reports an endorsement signed by a did:key its claimed issuer does not control as unverified, without the claimed name", async () => {
    const badgeKey = await didKey();
    const stranger = await didKey();
    const fake = await signCredential(endorsement({ id: PARTNER, name: "Ministère de l'Éducation nationale" }), stranger, loader);
    const r = await verifier().verify({ json: await signCredential(badge({ id: badgeKey.controller, name: "École" }, { endorsement: [fake] }), badgeKey, loader) });
    expect(lines(r, "proof")).toEqual(["pass verification.proof.valid"]);
    expect(lines(r, "endorsement")).toEqual(["warn verification.endorsement.unproven"]);
    expect(lines(r, "endorsements")).toEqual(["warn verification.endorsements.some"]);
    for (const locale of ["fr", "en"] as const) {
      const text = renderMessage(translator(locale), r.checks.find((c) => c.check === "endorsement")!.message);
      expect(text).toContain(stranger.controller);
      expect(text).not.toContain("Ministère");
    }

    // An endorser signing with its own did:key is verified, under its name.
    const real = await signCredential(endorsement({ id: stranger.controller, name: "Association" }), stranger, loader);
    const ok = await verifier().verify({ json: await signCredential(badge({ id: badgeKey.controller, name: "École" }, { endorsement: [real] }), badgeKey, loader) });
    expect(lines(ok, "endorsement")).toEqual(["pass verification.endorsement.valid"]);
    expect(renderMessage(translator("en"), ok.checks.find((c) => c.check === "endorsement")!.message)).toContain("Association");
  });
});
