import { existsSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { cliActor } from "../../src/audit/audit.service.ts";
import { createDocumentLoader } from "../../src/credentials/document-loader.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";
import { readShared, sharedPath } from "../helpers/shared-data.ts";

// A second, independent verifier: the Digital Credentials Consortium's verifier-core (what the
// Learner Credential Wallet and VerifierPlus run; ob3.md §5.2 item 3). It fetches through
// globalThis.fetch: contexts are served from our bundle (no network), our node's URLs over HTTP.
describe("an independent verifier (DCC verifier-core) accepts our credentials", () => {
  let node: TestNode;
  const realFetch = globalThis.fetch;
  const contexts = createDocumentLoader();

  beforeAll(async () => { node = await startTestNode(); });
  afterAll(async () => { await node?.close(); });
  afterEach(() => { vi.unstubAllGlobals(); });

  function stubFetch(): string[] {
    const asked: string[] = [];
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = input instanceof Request ? input.url : String(input);
      asked.push(url);
      if (url.startsWith(node.url)) return realFetch(input, init);
      // The official schema the credential lists (ob3.md §6: only in ../shared, not on npm).
      const schema = /ob\/v3p0\/schema\/json\/(ob_v3p0_\w+_schema\.json)$/.exec(url)?.[1];
      if (schema && existsSync(sharedPath("ob3/schema", schema))) return new Response(new Uint8Array(readShared("ob3/schema", schema)), { status: 200, headers: { "Content-Type": "application/json" } });
      try {
        const { document } = await contexts(url);
        return new Response(JSON.stringify(document), { status: 200, headers: { "Content-Type": "application/ld+json" } });
      } catch {
        return new Response("not found", { status: 404 });
      }
    });
    return asked;
  }

  async function issue(recipient: string) {
    const created = await node.services.issuers.create(cliActor, { slug: `dcc-${recipient.length}`, name: "Université DCC", description: "", website: "https://www.example.edu", email: "badges@example.edu", logoUrl: null, parent: null });
    if (!created.ok) throw new Error("issuer");
    const defined = await node.services.achievements.define(cliActor, created.value, { name: "Tutorat", description: "Accompagnement.", criteria: { narrative: "10 séances" }, achievementType: "Badge", inLanguage: "fr" }, { publish: true });
    if (!defined.ok) throw new Error("template");
    const [row] = await node.services.credentials.issueMany(cliActor, created.value, defined.value, [{ recipient, recipientType: "emailAddress" }]);
    return row!;
  }

  it("verifies signature, status and schema of a credential we issued; sees it revoked afterwards", async () => {
    const row = await issue("zoe@example.edu");
    const asked = stubFetch();
    const { verifyCredential } = await import("@digitalcredentials/verifier-core");
    const result: any = await verifyCredential({ credential: JSON.parse(row.document), knownDIDRegistries: [] });
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    const log = Object.fromEntries((result.log as Array<{ id: string; valid: boolean }>).map((l) => [l.id, l.valid]));
    expect(log).toMatchObject({ valid_signature: true, revocation_status: true, expiration: true });
    expect(asked.some((u) => u.startsWith(`${node.url}/issuers/`))).toBe(true);
    if (existsSync(sharedPath("ob3/schema"))) {
      const schema = (result.additionalInformation as Array<{ id: string; results: Array<{ result: { valid: boolean } }> }>).find((i) => i.id === "schema_check");
      expect(schema?.results[0]?.result.valid).toBe(true);
    }

    await node.services.credentials.revoke(cliActor, row.id, "Erreur");
    const after: any = await verifyCredential({ credential: JSON.parse(row.document), knownDIDRegistries: [] });
    const revoked = (after.log as Array<{ id: string; valid: boolean }>).find((l) => l.id === "revocation_status");
    expect(revoked?.valid).toBe(false);

    // …and our own verifier agrees on both.
    const ours = await node.services.verification.verify({ json: JSON.parse(row.document) });
    expect(ours.summary.verdict).toBe("revoked");
  });
});
