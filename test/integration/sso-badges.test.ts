import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { open } from "../../src/shared/secret-box.ts";
import { HttpClient } from "../helpers/http-client.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";
import { listIdOf, settle, setUpAwards, template, type AwardKit } from "../fixtures/awards/award-test-kit.ts";
import { makeKeyPair } from "../fixtures/sso/certs.ts";
import { oidcLogin, startTestOp, type TestOp } from "../fixtures/sso/oidc-op.ts";
import { createTestIdp, OID } from "../fixtures/sso/samlify-idp.ts";

// The "done when": a student signs in through a SAML IdP and through an OpenID provider
// and finds in the backpack the badges awarded to their eppn and to their e-mail address (and
// nobody else's). The badges are awarded the way staff do it: an award list, jury, issuing job.
describe("students see the badges awarded to their federation identifier and to their e-mail", () => {
  let node: TestNode;
  let op: TestOp;
  let kit: AwardKit;
  let dir: string;
  let idp: ReturnType<typeof createTestIdp>;
  let spMetadata: string;
  const names = { byEppn: "Badge par eppn", byMail: "Badge par courriel", other: "Badge d'un autre", oidcEppn: "Badge OIDC par eppn", oidcMail: "Badge OIDC par courriel",
    homonymEppn: "Badge eppn homonyme", homonymMail: "Badge adresse homonyme" };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "fb-sso-badges-"));
    const spKeys = makeKeyPair("sp", dir);
    idp = createTestIdp({ entityId: "https://idp.univ-test.fr/idp/shibboleth", ssoUrl: "https://idp.univ-test.fr/idp/profile/SAML2/Redirect/SSO", keys: makeKeyPair("idp", dir) });
    writeFileSync(join(dir, "idp.xml"), idp.metadataXml());
    op = await startTestOp({
      clientId: "francebadge", clientSecret: "op-client-secret-0123456789", redirectUri: () => `${node.url}/auth/oidc/univ/callback`,
      accounts: { "bob-sub": { email: "bob.durand@univ-oidc.fr", email_verified: true, name: "Bob Durand", eduperson_principal_name: "bdurand@univ-oidc.fr" } },
    });
    node = await startTestNode({
      sso: {
        saml: { spPrivateKeyPath: spKeys.keyPath, spCertPath: spKeys.certPath, idps: [{ id: "univ-test", metadataPath: join(dir, "idp.xml"), label: "Université de Test" }] },
        oidc: [{ id: "univ", issuer: op.issuer, clientId: "francebadge", clientSecret: "op-client-secret-0123456789", label: "Université OIDC", scopes: ["openid", "email", "profile", "eduperson"] }],
      },
    });
    spMetadata = await (await fetch(node.url + "/auth/saml/metadata")).text();
    kit = await setUpAwards(node);
    // The eppn and the e-mail address differ, as at most universities (login@ vs first.last@).
    await award(names.byEppn, "eppn:adupont@univ-test.fr");
    await award(names.byMail, "alice.dupont@univ-test.fr");
    await award(names.other, "eppn:someone-else@univ-test.fr alice.dupont@other.example");
    await award(names.oidcEppn, "eppn:bdurand@univ-oidc.fr");
    await award(names.oidcMail, "bob.durand@univ-oidc.fr");
    // An eppn written exactly like an e-mail address (many institutions use login@domain for both).
    await award(names.homonymEppn, "eppn:carla@univ-test.fr");
    await award(names.homonymMail, "carla@univ-test.fr");
  });
  afterAll(async () => {
    await op?.close();
    await node?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function award(name: string, recipients: string): Promise<void> {
    const path = "/issuers/ecm/award-lists";
    const a = await template(node, kit.issuer, name);
    const id = listIdOf(await kit.awarder.submit(path, { achievement: a.row.id, source: "paste", recipients, token: `badges-${name}` }));
    await kit.awarder.submit(`${path}/${id}/submit`, {});
    await kit.jury.submit(`${path}/${id}/approve`, {});
    expect(await settle(node, id)).toBe("issued");
  }

  const badgesOn = (html: string) => Object.values(names).filter((n) => html.includes(n.replace(/'/g, "&#39;"))).sort();

  async function samlLogin(client: HttpClient, attributes: Record<string, string | string[]>): Promise<Response> {
    const start = await client.get("/auth/saml/login?idp=univ-test&next=/backpack");
    const samlResponse = await idp.respond(start.headers.get("Location")!, spMetadata, attributes);
    return client.request("/auth/saml/acs", {
      method: "POST", body: new URLSearchParams({ SAMLResponse: samlResponse }),
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://idp.univ-test.fr" },
    });
  }

  // A learner who proves the address by the e-mail sign-in link (the link read from the sealed outbox).
  async function signInByLink(email: string): Promise<HttpClient> {
    const learner = node.client();
    expect((await learner.submit("/signin", { email })).status).toBe(200);
    const jobs = await node.database.db.selectFrom("jobs").select("payload").where("queue", "=", "mail").execute();
    const mail = jobs.map((j) => open(node.config.secret, "mail-outbox", JSON.parse(j.payload).sealed)).find((p) => p.includes(email) && p.includes("/signin/"));
    const link = new URL(mail!.match(/https?:\/\/[^\s"\\<>]+\/signin\/[A-Za-z0-9_-]+/)![0]);
    expect((await learner.submit(link.pathname, {})).status).toBe(303);
    return learner;
  }

  it("through SAML: the badge to their eppn and the one to their address, not another person's", async () => {
    const client = node.client();
    const start = await client.get("/auth/saml/login?idp=univ-test&next=/backpack");
    const attributes = {
      [OID.eppn]: "adupont@univ-test.fr", [OID.mail]: "alice.dupont@univ-test.fr", [OID.displayName]: "Alice Dupont",
      [OID.scopedAffiliation]: ["student@univ-test.fr"], [OID.homeOrganization]: "univ-test.fr",
    };
    const samlResponse = await idp.respond(start.headers.get("Location")!, spMetadata, attributes);
    const acs = await client.request("/auth/saml/acs", {
      method: "POST", body: new URLSearchParams({ SAMLResponse: samlResponse }),
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://idp.univ-test.fr" },
    });
    expect(acs.status).toBe(303);
    expect(acs.headers.get("Location")).toBe("/backpack");
    const page = await client.text("/backpack");
    expect(page.status).toBe(200);
    expect(badgesOn(page.body)).toEqual([names.byMail, names.byEppn].sort());
  });

  it("an eppn is not an e-mail address written the same: the badge to eppn carla@… shows only once SSO gives that eppn", async () => {
    const learner = await signInByLink("carla@univ-test.fr");
    expect(badgesOn((await learner.text("/backpack")).body)).toEqual([names.homonymMail]);
    const acs = await samlLogin(learner, {
      [OID.eppn]: "carla@univ-test.fr", [OID.mail]: "carla@univ-test.fr", [OID.displayName]: "Carla Petit", [OID.homeOrganization]: "univ-test.fr",
    });
    expect(acs.status).toBe(303);
    expect(badgesOn((await learner.text("/backpack")).body)).toEqual([names.homonymEppn, names.homonymMail].sort());
  });

  it("through OpenID Connect: the same, with the eduperson_principal_name claim", async () => {
    const client = node.client();
    expect((await oidcLogin(op, node.url, client, "bob-sub", "/backpack")).status).toBe(303);
    const page = await client.text("/backpack");
    expect(badgesOn(page.body)).toEqual([names.oidcEppn, names.oidcMail].sort());
  });
});
