import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DOMParser, type Element } from "@xmldom/xmldom";
import * as samlify from "samlify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemActor } from "../../src/audit/audit.service.ts";
import { verifyFederationMetadata } from "../../src/sso/discovery.ts";
import type { HttpClient } from "../helpers/http-client.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";
import { certBody, makeKeyPair, type TestKeyPair } from "../fixtures/sso/certs.ts";
import { aggregateXml, signAggregate } from "../fixtures/sso/federation.ts";
import { createTestIdp, editResponse, OID, type RespondOptions } from "../fixtures/sso/samlify-idp.ts";

const MD = "urn:oasis:names:tc:SAML:2.0:metadata";
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
const IDP_ENTITY = "https://idp.univ-test.fr/idp/shibboleth";

/** What a Renater IdP releases for a person of univ-test.fr. */
function person(local: string, extra: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  return {
    [OID.eppn]: `${local}@univ-test.fr`, [OID.mail]: `${local}@univ-test.fr`, [OID.displayName]: `${local} Dupont`,
    [OID.scopedAffiliation]: [`student@univ-test.fr`, `member@univ-test.fr`], [OID.homeOrganization]: "univ-test.fr", ...extra,
  };
}

describe("SAML single sign-on: samlify as the IdP, node-saml as our SP", () => {
  let node: TestNode;
  let dir: string;
  let spKeys: TestKeyPair;
  let spMetadata: string;
  let idp: ReturnType<typeof createTestIdp>;
  let rogue: ReturnType<typeof createTestIdp>;
  let fedIdp: ReturnType<typeof createTestIdp>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "fb-saml-"));
    spKeys = makeKeyPair("sp", dir);
    const fed = makeKeyPair("federation", dir);
    idp = createTestIdp({ entityId: IDP_ENTITY, ssoUrl: "https://idp.univ-test.fr/idp/profile/SAML2/Redirect/SSO", keys: makeKeyPair("idp", dir) });
    rogue = createTestIdp({ entityId: "https://rogue.example/idp", ssoUrl: "https://rogue.example/sso", keys: makeKeyPair("rogue", dir) });
    fedIdp = createTestIdp({ entityId: "https://idp.ecole-fed.fr/idp", ssoUrl: "https://idp.ecole-fed.fr/sso", keys: makeKeyPair("fedidp", dir), scopes: ["ecole-fed.fr"], name: "École Fédérée" });
    writeFileSync(join(dir, "idp.xml"), idp.metadataXml());
    writeFileSync(join(dir, "federation.xml"), signAggregate(aggregateXml([fedIdp.metadataXml()]), fed.key));
    node = await startTestNode({
      sso: {
        saml: {
          spPrivateKeyPath: spKeys.keyPath, spCertPath: spKeys.certPath,
          idps: [{ id: "univ-test", metadataPath: join(dir, "idp.xml"), label: "Université de Test" }],
          federationMetadataPath: join(dir, "federation.xml"), federationCertPath: fed.certPath,
        },
        roleRules: [{ affiliation: "staff", homeOrganization: "univ-test.fr", issuer: "univ-test", role: "viewer" }],
      },
    });
    const issuer = await node.services.issuers.create(systemActor, { slug: "univ-test", name: "Université de Test", description: "", website: null, email: null, logoUrl: null, parent: null });
    if (!issuer.ok) throw new Error("issuer not created");
    spMetadata = await (await fetch(node.url + "/auth/saml/metadata")).text();
  });
  afterAll(async () => {
    await node?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const countUsers = async () => Number((await node.database.db.selectFrom("users").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);

  /** Starts a login on the node, lets `from` answer the request, and returns the response and a way to post it. */
  async function loginAt(client: HttpClient, attributes: Record<string, string | string[]>, opts: RespondOptions = {}, from = idp, start = "/auth/saml/login?idp=univ-test&next=/account") {
    const res = await client.get(start);
    expect(res.status).toBe(303);
    const samlResponse = await from.respond(res.headers.get("Location")!, spMetadata, attributes, opts);
    // The IdP's auto-post form: a cross-site POST with no CSRF token of ours.
    const post = (body = samlResponse) => client.request("/auth/saml/acs", {
      method: "POST", body: new URLSearchParams({ SAMLResponse: body }),
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://idp.univ-test.fr" },
    });
    return { samlResponse, post };
  }

  async function expectRefused(res: Response, kind: string, status = 401) {
    expect(res.status).toBe(status);
    expect(res.headers.getSetCookie().some((c) => c.startsWith("fb_session="))).toBe(false);
    expect(await res.text()).toContain(`data-sso-error="${kind}"`);
  }

  it("serves SP metadata that parses as SAML metadata: SPSSODescriptor, ACS, signing and encryption keys", async () => {
    const res = await fetch(node.url + "/auth/saml/metadata");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("application/samlmetadata+xml");
    const root = new DOMParser().parseFromString(await res.text(), "text/xml").documentElement!;
    expect([root.namespaceURI, root.localName, root.getAttribute("entityID")]).toEqual([MD, "EntityDescriptor", `${node.url}/auth/saml/metadata`]);
    const sp = root.getElementsByTagNameNS(MD, "SPSSODescriptor")[0]!;
    expect(sp.getAttribute("protocolSupportEnumeration")).toBe("urn:oasis:names:tc:SAML:2.0:protocol");
    expect(sp.getAttribute("WantAssertionsSigned")).toBe("true");
    const acs = sp.getElementsByTagNameNS(MD, "AssertionConsumerService")[0]!;
    expect([acs.getAttribute("Binding"), acs.getAttribute("Location")]).toEqual(["urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST", `${node.url}/auth/saml/acs`]);
    const keys = Array.from(sp.getElementsByTagNameNS(MD, "KeyDescriptor")) as Element[];
    expect(keys.map((k) => k.getAttribute("use")).sort()).toEqual(["encryption", "signing"]);
    for (const k of keys) expect((k.textContent ?? "").replace(/\s+/g, "")).toBe(certBody(spKeys.cert));
    // An independent SAML library reads it too, and finds the same endpoint.
    const parsed = samlify.SPMetadata(await (await fetch(node.url + "/auth/saml/metadata")).text());
    expect(parsed.getAssertionConsumerService("post")).toBe(`${node.url}/auth/saml/acs`);
    // Stable: the same document on every request (institutions register it once).
    expect(await (await fetch(node.url + "/auth/saml/metadata")).text()).toBe(spMetadata);
  });

  it("a signed assertion creates the account with its eppn, signs in, and a second login reuses it", async () => {
    const before = await countUsers();
    const client = node.client();
    const res = await (await loginAt(client, person("alice"))).post();
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/account");
    expect((await client.text("/account")).body).toContain("alice@univ-test.fr");
    const user = (await node.services.accounts.findByEmail("alice@univ-test.fr"))!;
    expect(user.display_name).toBe("alice Dupont");
    expect(user.password_hash).toBeNull();
    const identity = await node.database.db.selectFrom("user_identities").selectAll().where("user_id", "=", user.id).executeTakeFirstOrThrow();
    expect([identity.provider, identity.subject_type, identity.subject, identity.eppn]).toEqual([`saml:${IDP_ENTITY}`, "eppn", "alice@univ-test.fr", "alice@univ-test.fr"]);
    expect(await node.services.sso.identifiersOf(user.id)).toEqual([
      { type: "emailAddress", value: "alice@univ-test.fr" }, { type: "ext:eduPersonPrincipalName", value: "alice@univ-test.fr" },
    ]);
    const email = await node.database.db.selectFrom("user_emails").selectAll().where("email", "=", "alice@univ-test.fr").executeTakeFirstOrThrow();
    expect(email.user_id).toBe(user.id);
    expect(email.verified_at).not.toBeNull();

    const again = await (await loginAt(node.client(), person("alice"))).post();
    expect(again.status).toBe(303);
    expect(await countUsers()).toBe(before + 1);
  });

  it("accepts an encrypted assertion (decrypted with the SP key), also inside a signed response", async () => {
    for (const [i, opts] of [{ encrypt: true }, { encrypt: true, signResponse: true }].entries()) {
      const client = node.client();
      const { samlResponse, post } = await loginAt(client, person(`enc${i}`), opts);
      expect(Buffer.from(samlResponse, "base64").toString()).toContain("EncryptedAssertion");
      expect(Buffer.from(samlResponse, "base64").toString()).not.toContain(`enc${i}@univ-test.fr`);
      expect((await post()).status).toBe(303);
      expect(await node.services.accounts.findByEmail(`enc${i}@univ-test.fr`)).toBeDefined();
    }
  });

  it("links a first SSO login to the existing account with the asserted e-mail", async () => {
    const existing = await node.services.accounts.create({ email: "carol@univ-test.fr", displayName: "Carol", password: "correct horse battery" });
    if (!existing.ok) throw new Error(existing.error);
    expect((await (await loginAt(node.client(), person("carol"))).post()).status).toBe(303);
    const identity = await node.database.db.selectFrom("user_identities").selectAll().where("subject", "=", "carol@univ-test.fr").executeTakeFirstOrThrow();
    expect(identity.user_id).toBe(existing.value.id);
  });

  it("grants the staff role from the mapping rule, idempotently; a student gets none", async () => {
    const issuer = (await node.services.issuers.findBySlug("univ-test"))!;
    const staff = person("sam", { [OID.scopedAffiliation]: ["staff@univ-test.fr", "member@univ-test.fr"] });
    expect((await (await loginAt(node.client(), staff)).post()).status).toBe(303);
    expect((await (await loginAt(node.client(), staff)).post()).status).toBe(303);
    const sam = (await node.services.accounts.findByEmail("sam@univ-test.fr"))!;
    expect([...(await node.services.members.rolesOf(sam, issuer))]).toEqual(["viewer"]);
    expect((await node.services.members.membershipsOf(sam.id)).length).toBe(1);
    expect((await (await loginAt(node.client(), person("stu"))).post()).status).toBe(303);
    const stu = (await node.services.accounts.findByEmail("stu@univ-test.fr"))!;
    expect((await node.services.members.rolesOf(stu, issuer)).size).toBe(0);
  });

  describe("refusals: a clear page, no session, nothing created", () => {
    let before: number;
    beforeAll(async () => { before = await countUsers(); });
    afterAll(async () => {
      expect(await countUsers()).toBe(before);
      const identities = await node.database.db.selectFrom("user_identities").select("subject").where("subject", "like", "mallory%").execute();
      expect(identities).toEqual([]);
    });

    it("an assertion without its signature", async () => {
      const { samlResponse, post } = await loginAt(node.client(), person("mallory1"));
      const unsigned = editResponse(samlResponse, (xml) => xml.replace(/<ds:Signature[\s\S]*?<\/ds:Signature>/, ""));
      expect(Buffer.from(unsigned, "base64").toString()).not.toContain("Signature");
      await expectRefused(await post(unsigned), "bad-signature");
    });

    it("a tampered assertion (eppn changed after signing)", async () => {
      const { samlResponse, post } = await loginAt(node.client(), person("mallory2"));
      const tampered = editResponse(samlResponse, (xml) => xml.replaceAll("mallory2@univ-test.fr", "alice@univ-test.fr"));
      await expectRefused(await post(tampered), "bad-signature");
    });

    it("a replayed response (the first use signs in, the second is refused)", async () => {
      const client = node.client();
      const { post } = await loginAt(client, person("replay"));
      expect((await post()).status).toBe(303);
      before += 1; // the first, legitimate use created its account
      await expectRefused(await post(), "unsolicited");
    });

    it("an assertion for another audience", async () => {
      const { post } = await loginAt(node.client(), person("mallory3"), { audience: "https://other-sp.example/shibboleth" });
      await expectRefused(await post(), "wrong-audience");
    });

    it("an expired assertion (NotOnOrAfter in the past)", async () => {
      const { post } = await loginAt(node.client(), person("mallory4"), { notOnOrAfter: new Date(Date.now() - 10 * 60_000) });
      await expectRefused(await post(), "expired");
    });

    it("an answer from an IdP that was not asked, and a login at an unknown IdP", async () => {
      const { post } = await loginAt(node.client(), person("mallory5"), {}, rogue);
      await expectRefused(await post(), "unknown-idp");
      await expectRefused(await node.client().get("/auth/saml/login?idp=nowhere"), "unknown-provider", 404);
      await expectRefused(await node.client().get("/auth/saml/login?entityID=https%3A%2F%2Frogue.example%2Fidp"), "unknown-provider", 404);
    });

    it("a response nobody asked for (no InResponseTo: IdP-initiated)", async () => {
      const { samlResponse, post } = await loginAt(node.client(), person("mallory6"));
      await expectRefused(await post(editResponse(samlResponse, (xml) => xml.replace(/ InResponseTo="[^"]*"/, ""))), "unsolicited");
    });

    it("a missing persistent identifier, or a missing e-mail for a new person", async () => {
      const noId = person("mallory7");
      delete noId[OID.eppn];
      await expectRefused(await (await loginAt(node.client(), noId)).post(), "missing-identifier", 403);
      const noMail = person("mallory8");
      delete noMail[OID.mail];
      const res = await (await loginAt(node.client(), noMail)).post();
      await expectRefused(res, "missing-email", 403);
    });

    it("explains the refusal in the visitor's language", async () => {
      const client = node.client();
      const res = await client.get("/auth/saml/login?idp=nowhere", { "Accept-Language": "en" });
      expect(await res.text()).toContain("This identity provider is not known to this node.");
      const fr = await node.client().get("/auth/saml/login?idp=nowhere");
      expect(await fr.text()).toContain("Ce fournisseur d&#39;identité n&#39;est pas connu de ce nœud.");
    });
  });

  describe("federation (eduGAIN-style aggregate) and discovery", () => {
    it("lists the aggregate's institutions, searchable, with htmx fragments", async () => {
      const page = await node.client().text("/auth/saml/discovery?next=/account");
      expect(page.status).toBe(200);
      expect(page.body).toContain("École Fédérée");
      expect(page.body).toContain("Université de Test");
      expect(page.body).toContain(`/auth/saml/login?entityID=${encodeURIComponent("https://idp.ecole-fed.fr/idp")}&amp;next=${encodeURIComponent("/account")}`);
      const fragment = await node.client().get("/auth/saml/discovery?q=univ", { "HX-Request": "true" });
      const html = await fragment.text();
      expect(html).not.toContain("<html");
      expect(html).toContain("Université de Test");
      expect(html).not.toContain("École Fédérée");
      expect((await node.client().text("/login")).body).toContain('href="/auth/saml/discovery?next=');
    });

    it("signs in through a federation IdP chosen by entityID", async () => {
      const start = `/auth/saml/login?entityID=${encodeURIComponent(fedIdp.entityId)}`;
      const attrs = { [OID.eppn]: "zoe@ecole-fed.fr", [OID.mail]: "zoe@ecole-fed.fr", [OID.displayName]: "Zoé" };
      expect((await (await loginAt(node.client(), attrs, {}, fedIdp, start)).post()).status).toBe(303);
      expect(await node.services.accounts.findByEmail("zoe@ecole-fed.fr")).toBeDefined();
    });

    it("drops values outside the IdP's declared scopes (a federation IdP cannot speak for another school)", async () => {
      const start = `/auth/saml/login?entityID=${encodeURIComponent(fedIdp.entityId)}`;
      const attrs = { [OID.eppn]: "eve@univ-test.fr", [OID.mail]: "eve@univ-test.fr" };
      await expectRefused(await (await loginAt(node.client(), attrs, {}, fedIdp, start)).post(), "missing-identifier", 403);
      // In scope identifier, but an address of another school: not trusted, so no account.
      const other = { [OID.eppn]: "eve@ecole-fed.fr", [OID.mail]: "alice@univ-test.fr" };
      await expectRefused(await (await loginAt(node.client(), other, {}, fedIdp, start)).post(), "email-unverified", 403);
      expect(await node.services.accounts.findByEmail("eve@univ-test.fr")).toBeUndefined();
    });
  });
});

describe("federation aggregate checks (signature against the federation certificate)", () => {
  let dir: string;
  let fed: TestKeyPair;
  let entities: string[];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "fb-fed-"));
    fed = makeKeyPair("federation", dir);
    const keys = makeKeyPair("member-idp", dir);
    entities = [
      createTestIdp({ entityId: "https://idp.a.fr/idp", ssoUrl: "https://idp.a.fr/sso", keys, scopes: ["a.fr"], name: "Université A" }).metadataXml(),
      createTestIdp({ entityId: "https://idp.b.fr/idp", ssoUrl: "https://idp.b.fr/sso", keys, scopes: ["b.fr"], name: "École B" }).metadataXml(),
    ];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const now = () => new Date();

  it("loads every IdP of a correctly signed aggregate, with scopes and display names", () => {
    const r = verifyFederationMetadata(signAggregate(aggregateXml(entities), fed.key), fed.cert, now());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.map((i) => [i.entityId, i.scopes, i.names["fr"]])).toEqual([["https://idp.a.fr/idp", ["a.fr"], "Université A"], ["https://idp.b.fr/idp", ["b.fr"], "École B"]]);
  });

  it("refuses an unsigned aggregate, one signed by another key, a tampered one and an expired one", () => {
    const other = makeKeyPair("not-the-federation", dir);
    const signed = signAggregate(aggregateXml(entities), fed.key);
    const kinds = [
      verifyFederationMetadata(aggregateXml(entities), fed.cert, now()),
      verifyFederationMetadata(signAggregate(aggregateXml(entities), other.key), fed.cert, now()),
      // A rogue IdP slipped in after signing.
      verifyFederationMetadata(signed.replace("</md:EntitiesDescriptor>", entities[0]!.replaceAll("idp.a.fr", "idp.rogue.fr") + "</md:EntitiesDescriptor>"), fed.cert, now()),
      verifyFederationMetadata(signed.replace("Université A", "Universite A"), fed.cert, now()),
      verifyFederationMetadata(signAggregate(aggregateXml(entities, { validUntil: new Date(Date.now() - 86_400_000) }), fed.key), fed.cert, now()),
      verifyFederationMetadata("<not-xml", fed.cert, now()),
    ].map((r) => (r.ok ? "ok" : r.error.kind));
    expect(kinds).toEqual(["unsigned", "bad-signature", "bad-signature", "bad-signature", "expired", "unreadable"]);
  });

  it("a node refuses a bad aggregate at start: the discovery page says the list is unavailable; requireEncryption refuses plain assertions", async () => {
    const spKeys = makeKeyPair("sp2", dir);
    const idp = createTestIdp({ entityId: "https://idp.enc.fr/idp", ssoUrl: "https://idp.enc.fr/sso", keys: makeKeyPair("enc-idp", dir) });
    writeFileSync(join(dir, "enc-idp.xml"), idp.metadataXml());
    writeFileSync(join(dir, "unsigned.xml"), aggregateXml(entities));
    const node = await startTestNode({
      sso: {
        saml: {
          spPrivateKeyPath: spKeys.keyPath, spCertPath: spKeys.certPath, requireEncryption: true,
          idps: [{ id: "enc", metadataPath: join(dir, "enc-idp.xml") }],
          federationMetadataPath: join(dir, "unsigned.xml"), federationCertPath: fed.certPath,
        },
      },
    });
    try {
      const page = await node.client().text("/auth/saml/discovery");
      expect(page.body).toContain(esc("La liste des établissements de la fédération n'a pas pu être chargée."));
      expect(page.body).not.toContain("Université A");
      expect((await node.client().text("/login")).body).not.toContain("/auth/saml/discovery");
      const spMetadata = await (await fetch(node.url + "/auth/saml/metadata")).text();
      const attrs = { [OID.eppn]: "x@enc.fr", [OID.mail]: "x@enc.fr" };
      for (const encrypt of [false, true]) {
        const client = node.client();
        const start = await client.get("/auth/saml/login?idp=enc");
        const samlResponse = await idp.respond(start.headers.get("Location")!, spMetadata, attrs, { encrypt });
        const res = await client.request("/auth/saml/acs", { method: "POST", body: new URLSearchParams({ SAMLResponse: samlResponse }) });
        if (encrypt) expect(res.status).toBe(303);
        else expect(await res.text()).toContain('data-sso-error="not-encrypted"');
      }
    } finally {
      await node.close();
    }
  });
});
