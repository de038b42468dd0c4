import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemActor } from "../../src/audit/audit.service.ts";
import { dummyHash, hashPassword } from "../../src/auth/password.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import { HttpClient } from "../helpers/http-client.ts";
import { startTestNode, TEST_PASSWORD, type TestNode } from "../helpers/node.ts";
import { mailOfKind, startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.ts";

// Gaps of issue 2 found by an audit: invitations bound to their address, a GET that wrote the
// profile, field errors, member notices, malformed bodies, content negotiation, revocation,
// error pages and cookie flags.

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
const smtpConfig = (port: number) => ({ mail: { from: "FranceBadge <badges@univ.example>", smtp: { host: "127.0.0.1", port, secure: false, user: "badges", password: "pw" } } });
/** The scheme, cost, r and p of an scrypt hash (everything but salt and key). */
const paramsOf = (hash: string) => { const [scheme, logN, r, p, , key] = hash.split("$"); return { scheme, logN, r, p, keyLength: key?.length }; };

describe("foundation gaps", () => {
  let sink: SmtpSink;
  let node: TestNode;
  let alpha: IssuerRow, beta: IssuerRow;
  let boss: HttpClient;

  beforeAll(async () => {
    sink = await startSmtpSink();
    node = await startTestNode({ ...smtpConfig(sink.port), auth: { passwordHashCost: 11 } });
    const mk = async (slug: string, name: string, parent: string | null = null) => {
      const r = await node.services.issuers.create(systemActor, { slug, name, description: "", website: null, email: null, logoUrl: null, parent });
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      return r.value;
    };
    alpha = await mk("alpha", "Alpha School");
    beta = await mk("beta", "Beta School");
    boss = await node.signIn("boss@alpha.example");
    await node.services.members.add(systemActor, alpha, { email: "boss@alpha.example", role: "admin" });
  });
  afterAll(async () => {
    await node?.close();
    await sink?.close();
  });

  const db = () => node.database.db;
  const rolesIn = async (issuerId: string, email: string) =>
    (await db().selectFrom("memberships").innerJoin("users", "users.id", "memberships.user_id").select("role")
      .where("issuer_id", "=", issuerId).where("users.email", "=", email).execute()).map((r) => r.role).sort();
  const invite = async (issuer: IssuerRow, email: string, role: "viewer" | "jury" = "viewer") => {
    const r = await node.services.members.add(systemActor, issuer, { email, role });
    if (r.kind !== "invited") throw new Error("expected an invitation");
    return { path: `/invitations/${r.token}`, id: r.invitation.id };
  };
  const invitationRow = (id: string) => db().selectFrom("invitations").select(["accepted_at", "accepted_by", "revoked_at"]).where("id", "=", id).executeTakeFirstOrThrow();

  describe("invitation links are bound to the invited address", () => {
    it("another signed-in account is told so (FR/EN), may sign out and continue, and nothing changes", async () => {
      const inv = await invite(alpha, "invitee@elsewhere.example");
      const other = await node.signIn("someone-else@alpha.example");
      const page = await other.text(inv.path);
      expect(page.status).toBe(200);
      expect(page.body).toContain(esc("Cette invitation a été envoyée à invitee@elsewhere.example, qui n'est pas une adresse de votre compte (someone-else@alpha.example)."));
      expect(page.body).not.toContain(">Accepter l&#39;invitation<");
      expect(page.body).toContain(`action="${inv.path}/sign-out"`);

      const post = await other.submit(inv.path, {});
      expect(post.status).toBe(403);
      expect(await post.text()).toContain(esc("qui n'est pas une adresse de votre compte"));
      const en = await other.submit(inv.path, {}, { "Accept-Language": "en" });
      await other.get("/lang/en");
      expect(await (await other.submit(inv.path, {})).text()).toContain("which is not an address of your account (someone-else@alpha.example). Nothing was changed");
      expect(en.status).toBe(403);
      expect(await rolesIn(alpha.id, "someone-else@alpha.example")).toEqual([]);
      expect(await invitationRow(inv.id)).toMatchObject({ accepted_at: null, accepted_by: null, revoked_at: null });

      // Sign out and continue: the session ends, the invitation page offers to create the account.
      const out = await other.submit(`${inv.path}/sign-out`, {});
      expect(out.status).toBe(303);
      expect(out.headers.get("location")).toBe(inv.path);
      expect((await other.get("/account")).status).toBe(303); // signed out
      const again = await other.text(inv.path);
      expect(again.body).toContain('name="displayName"');
      const created = await other.submit(inv.path, { displayName: "Invitee", password: "invitee-password-1", confirm: "invitee-password-1" });
      expect(created.status).toBe(303);
      expect(await rolesIn(alpha.id, "invitee@elsewhere.example")).toEqual(["viewer"]);
    });

    it("an account accepts with its sign-in address or a confirmed extra address, not an unconfirmed one", async () => {
      const main = await invite(alpha, "owner@alpha.example", "jury");
      const owner = await node.signIn("owner@alpha.example");
      expect((await owner.submit(main.path, {})).status).toBe(303);
      expect(await rolesIn(alpha.id, "owner@alpha.example")).toEqual(["jury"]);

      const ownerId = (await node.services.accounts.findByEmail("owner@alpha.example"))!.id;
      const now = new Date().toISOString();
      await db().insertInto("user_emails").values([
        { email: "owner.old@school.example", user_id: ownerId, verified_at: now, source: "magic-link", created_at: now },
        { email: "owner.unconfirmed@school.example", user_id: ownerId, verified_at: null, source: "magic-link", created_at: now },
      ]).execute();
      const extra = await invite(beta, "owner.old@school.example");
      expect((await owner.text(extra.path)).body).toContain(">Accepter l&#39;invitation<");
      expect((await owner.submit(extra.path, {})).status).toBe(303);
      expect(await rolesIn(beta.id, "owner@alpha.example")).toEqual(["viewer"]);

      const unconfirmed = await invite(beta, "owner.unconfirmed@school.example", "jury");
      expect((await owner.submit(unconfirmed.path, {})).status).toBe(403);
      expect(await rolesIn(beta.id, "owner@alpha.example")).toEqual(["viewer"]);
      expect(await invitationRow(unconfirmed.id)).toMatchObject({ accepted_at: null });
    });
  });

  it("revoking another space's invitation through one's own URL is a 404 with a message, and changes nothing", async () => {
    const sub = await node.services.issuers.create(systemActor, { slug: "alpha-sub", name: "Alpha Sub", description: "", website: null, email: null, logoUrl: null, parent: "alpha" });
    if (!sub.ok) throw new Error("sub-issuer");
    await node.signIn("subadmin@alpha.example");
    await node.services.members.add(systemActor, sub.value, { email: "subadmin@alpha.example", role: "admin" });
    const subAdmin = await node.signIn("subadmin@alpha.example");
    const betaInv = await invite(beta, "pending@beta.example");
    const res = await subAdmin.submit(`/issuers/alpha-sub/invitations/${betaInv.id}/revoke`, {});
    expect(res.status).toBe(404);
    expect(await res.text()).toContain(esc("Cette invitation n'est pas en attente dans cet espace ; rien n'a été changé."));
    const htmx = await subAdmin.submit(`/issuers/alpha-sub/invitations/${betaInv.id}/revoke`, {}, { "HX-Request": "true" });
    expect(htmx.status).toBe(422); // htmx swaps 422 only: the panel shows the message
    expect(await htmx.text()).toContain(esc("rien n'a été changé"));
    expect(await invitationRow(betaInv.id)).toMatchObject({ revoked_at: null });
    // Its own invitation is revoked, with a notice.
    const own = await invite(sub.value, "pending@alpha-sub.example");
    const done = await subAdmin.submit(`/issuers/alpha-sub/invitations/${own.id}/revoke`, {});
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("Invitation révoquée.");
    expect((await invitationRow(own.id)).revoked_at).not.toBeNull();
    // A spent invitation is not revoked twice (no second date, no second audit line).
    const revokedAt = (await invitationRow(own.id)).revoked_at;
    expect((await subAdmin.submit(`/issuers/alpha-sub/invitations/${own.id}/revoke`, {})).status).toBe(404);
    expect((await invitationRow(own.id)).revoked_at).toBe(revokedAt);
  });

  it("an existing account added to a space gets an e-mail in its saved language", async () => {
    const created = await node.services.accounts.create({ email: "added@alpha.example", displayName: "Added", password: TEST_PASSWORD, locale: "en" });
    if (!created.ok) throw new Error("account");
    const res = await boss.submit("/issuers/alpha/members", { email: "added@alpha.example", role: "awarder" });
    expect(res.status).toBe(200);
    const mail = await mailOfKind(sink, node.services.jobs, "added@alpha.example", "member-added");
    expect(mail.parsed.subject).toBe("You have a role in “Alpha School” on FranceBadge");
    expect(mail.parsed.text).toContain("gave you the role “award proposals” in the space “Alpha School”");
    expect(mail.parsed.text).toContain(`${node.url}/issuers/alpha`);

    await node.services.accounts.create({ email: "ajoute@alpha.example", displayName: "Ajouté", password: TEST_PASSWORD, locale: "fr" });
    await boss.submit("/issuers/alpha/members", { email: "ajoute@alpha.example", role: "jury" });
    const fr = await mailOfKind(sink, node.services.jobs, "ajoute@alpha.example", "member-added");
    expect(fr.parsed.subject).toBe("Vous avez un rôle dans « Alpha School » sur FranceBadge");
    // Adding the same role again sends nothing more.
    await boss.submit("/issuers/alpha/members", { email: "ajoute@alpha.example", role: "jury" });
    for (let i = 0; i < 5; i++) await node.services.jobs.tick();
    const notices = sink.messages.filter((m) => m.envelope.to.includes("ajoute@alpha.example") && m.parsed.headers.get("x-francebadge-kind") === "member-added");
    expect(notices).toHaveLength(1);
  });

  describe("language switch and account form", () => {
    it("GET /lang changes what is shown, never the saved language (nor the e-mails' language)", async () => {
      const client = await node.signIn("lang@alpha.example");
      expect((await client.submit("/account/profile", { displayName: "Lang", locale: "fr" })).status).toBe(303);
      const res = await client.get("/lang/en?next=%2Faccount");
      expect(res.status).toBe(303);
      const page = await client.text("/account");
      expect(page.body).toContain("<h1>My account</h1>");
      expect((await node.services.accounts.findByEmail("lang@alpha.example"))!.locale).toBe("fr");
      await expect(node.services.mail.localeFor("lang@alpha.example")).resolves.toBe("fr");
      // The account form saves it for good.
      expect((await client.submit("/account/profile", { displayName: "Lang", locale: "en" })).status).toBe(303);
      expect((await node.services.accounts.findByEmail("lang@alpha.example"))!.locale).toBe("en");
      // The switch of one account does not follow another one signed in later in the same browser.
      await client.get("/lang/fr");
      const otherId = (await node.services.accounts.create({ email: "lang2@alpha.example", displayName: "L2", password: TEST_PASSWORD, locale: "en" }));
      if (!otherId.ok) throw new Error("account");
      await client.submit("/logout", {});
      expect((await client.submit("/login", { email: "lang2@alpha.example", password: TEST_PASSWORD })).status).toBe(303);
      expect((await client.text("/account")).body).toContain("<h1>My account</h1>");
    });

    it("an unknown locale on the account form is refused next to the field, with aria-invalid on the select", async () => {
      const client = await node.signIn("locale@alpha.example");
      const res = await client.submit("/account/profile", { displayName: "Loc", locale: "de" });
      expect(res.status).toBe(422);
      const body = await res.text();
      expect(body).toContain('<p class="error" id="f-locale-error">Cette valeur n&#39;est pas valide.</p>');
      expect(body).toMatch(/<select id="f-locale" name="locale"[^>]* aria-describedby="f-locale-error" aria-invalid="true">/);
      expect((await node.services.accounts.findByEmail("locale@alpha.example"))!.locale).toBeNull();
    });
  });

  it("a multipart body with a broken boundary is a 400 with a clear message, not a 500", async () => {
    const client = node.client();
    await client.get("/login");
    const broken = { "Content-Type": "multipart/form-data; boundary=nope" };
    const res = await client.request("/login", { method: "POST", body: "--other\r\ngarbage", headers: broken });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain(esc("Le contenu envoyé est mal formé et n'a pas pu être lu ; rien n'a été changé."));
    // With the token in a header (htmx), the route's own form reading answers the same.
    const htmx = await boss.request("/account/profile", { method: "POST", body: "--other\r\ngarbage", headers: { ...broken, "X-CSRF-Token": boss.csrf } });
    expect(htmx.status).toBe(400);
  });

  it("the issuer URL gives JSON-LD only to clients that ask for it, and never for /issuers/new", async () => {
    const admin = await node.signIn("root@alpha.example", { nodeAdmin: true });
    const curl = await admin.request("/issuers/new", { headers: { Accept: "*/*" } });
    expect(curl.status).toBe(200);
    expect(await curl.text()).toContain('name="slug"');
    const json = await admin.request("/issuers/new", { headers: { Accept: "application/json" } });
    expect(json.headers.get("content-type")).not.toContain("json");
    const page = await fetch(`${node.url}/issuers/alpha`, { headers: { Accept: "*/*" } });
    expect(page.headers.get("content-type")).toContain("text/html");
    const none = await fetch(`${node.url}/issuers/alpha`, { headers: { Accept: "" } });
    expect(none.headers.get("content-type")).toContain("text/html");
    const ld = await fetch(`${node.url}/issuers/alpha`, { headers: { Accept: "application/ld+json" } });
    expect(ld.headers.get("content-type")).toContain("application/ld+json");
    const preferred = await fetch(`${node.url}/issuers/alpha`, { headers: { Accept: "application/json, text/html;q=0.5" } });
    expect(preferred.headers.get("content-type")).toContain("application/ld+json");
  });

  it("the 500 page is in French and in English", async () => {
    const { issuers } = node.services;
    const original = issuers.tree;
    issuers.tree = async () => { throw new Error("test: the database went away"); };
    try {
      const fr = await node.client().get("/issuers", { "Accept-Language": "fr" });
      expect(fr.status).toBe(500);
      const frBody = await fr.text();
      expect(frBody).toContain("Erreur du serveur");
      expect(frBody).toContain(esc("Une erreur inattendue s'est produite ; elle a été enregistrée."));
      expect(frBody).not.toContain("the database went away");
      const en = await node.client().get("/issuers", { "Accept-Language": "en" });
      expect(en.status).toBe(500);
      expect(await en.text()).toMatch(/<html lang="en"[\s\S]*<h1>[^<]+<\/h1>/);
    } finally {
      issuers.tree = original;
    }
    expect((await node.client().get("/issuers")).status).toBe(200);
  });

  it("an unknown account is checked against a hash of the configured cost, made once", async () => {
    const cost = node.config.auth.passwordHashCost;
    expect(cost).toBe(11);
    const dummy = await dummyHash(cost);
    const real = (await node.services.accounts.findByEmail("boss@alpha.example"))!.password_hash!;
    expect(paramsOf(dummy)).toEqual(paramsOf(real));
    expect(paramsOf(dummy)).toEqual(paramsOf(await hashPassword("x", cost)));
    expect(await dummyHash(cost)).toBe(dummy);
    const login = await node.client().submit("/login", { email: "nobody@alpha.example", password: "whatever-1" });
    expect(login.status).toBe(401);
  });
});

describe("cookies on an https origin", () => {
  let node: TestNode;
  beforeAll(async () => { node = await startTestNode({ origin: "https://badges.univ.example" }); });
  afterAll(async () => { await node?.close(); });

  it("session, CSRF and language cookies are __Host- prefixed, Secure, HttpOnly, SameSite=Lax, host-only", async () => {
    await node.services.accounts.create({ email: "secure@univ.example", displayName: "Sec", password: TEST_PASSWORD });
    const client = new HttpClient(node.url);
    const first = await client.get("/login");
    const csrf = first.headers.getSetCookie().find((c) => c.startsWith("__Host-fb_csrf="));
    expect(csrf).toBeDefined();
    const res = await client.submit("/login", { email: "secure@univ.example", password: TEST_PASSWORD });
    expect(res.status).toBe(303);
    const session = res.headers.getSetCookie().find((c) => c.startsWith("__Host-fb_session="));
    const lang = (await client.get("/lang/en")).headers.getSetCookie().find((c) => c.startsWith("__Host-fb_lang="));
    for (const cookie of [csrf!, session!, lang!]) {
      expect(cookie, cookie).toMatch(/; Secure(;|$)/);
      expect(cookie, cookie).toMatch(/; HttpOnly(;|$)/);
      expect(cookie, cookie).toMatch(/; SameSite=Lax(;|$)/);
      expect(cookie, cookie).toMatch(/; Path=\/(;|$)/);
      expect(cookie, cookie).not.toMatch(/; Domain=/i);
    }
    expect(res.headers.getSetCookie().some((c) => /^fb_session=/.test(c))).toBe(false);
  });
});
