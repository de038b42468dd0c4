import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpClient } from "../helpers/http-client.ts";
import { startTestNode, TEST_PASSWORD, type TestNode } from "../helpers/node.ts";

// Eta escapes & < > " ' in text; compare catalogue texts the same way.
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

const MAX_FAILED = 3;

describe("sign-in, sessions and one-time links", () => {
  let node: TestNode;
  let setupToken: string;
  const adminEmail = "first-admin@univ.example";

  beforeAll(async () => {
    // The overrides replace the whole auth section: keep the fast test hash cost.
    node = await startTestNode({ auth: { maxFailedLogins: MAX_FAILED, passwordHashCost: 10 } });
    // Before any other node admin exists, as on a first start.
    const created = await node.services.accounts.ensureNodeAdmin(adminEmail);
    if (!created) throw new Error("ensureNodeAdmin created nothing");
    setupToken = created.setupToken;
  });
  afterAll(async () => { await node?.close(); });

  async function createUser(email: string, password = TEST_PASSWORD) {
    const r = await node.services.accounts.create({ email, displayName: email.split("@")[0]!, password });
    if (!r.ok) throw new Error(r.error);
    return r.value;
  }

  it("signs in with the right password: 303, HttpOnly SameSite=Lax session cookie, then the account page", async () => {
    await createUser("alice@univ.example");
    const client = node.client();
    const res = await client.submit("/login", { email: "Alice@Univ.example ", password: TEST_PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/");
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("fb_session="));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Lax/i);
    expect(cookie).toMatch(/;\s*Path=\//i);
    expect(cookie).not.toMatch(/;\s*Secure/i); // plain http on loopback
    const account = await client.text("/account");
    expect(account.status).toBe(200);
    expect(account.body).toContain("alice@univ.example");
  });

  it("refuses a wrong password with 401 and a French message by default", async () => {
    await createUser("bob@univ.example");
    const client = node.client();
    const res = await client.submit("/login", { email: "bob@univ.example", password: "not the password" });
    expect(res.status).toBe(401);
    expect(res.headers.getSetCookie().some((c) => c.startsWith("fb_session="))).toBe(false);
    const body = await res.text();
    expect(body).toContain('lang="fr"');
    expect(body).toContain(esc("Adresse e-mail ou mot de passe incorrect."));
    expect(body).toContain('value="bob@univ.example"'); // the e-mail is kept in the form
  });

  it("gives the same 401 for an unknown e-mail, in English with Accept-Language: en", async () => {
    const client = node.client();
    const res = await client.submit("/login", { email: "nobody@univ.example", password: "whatever-123" }, { "Accept-Language": "en-GB,en;q=0.9" });
    expect(res.status).toBe(401);
    const body = await res.text();
    expect(body).toContain('lang="en"');
    expect(body).toContain("Wrong e-mail address or password.");
    const known = await node.client().submit("/login", { email: "bob@univ.example", password: "still wrong" }, { "Accept-Language": "en" });
    expect(known.status).toBe(401);
    expect(await known.text()).toContain("Wrong e-mail address or password.");
  });

  it("rejects a malformed e-mail with 422 and the message next to the field", async () => {
    const res = await node.client().submit("/login", { email: "not-an-email", password: "x" });
    expect(res.status).toBe(422);
    expect(await res.text()).toMatch(/id="f-email-error">Cette adresse e-mail n&#39;est pas valide\.</);
  });

  it("logout ends the session on the server, not only in the browser", async () => {
    const client = await node.signIn("carol@univ.example");
    const token = client.cookies.get("fb_session")!;
    expect(token).toBeTruthy();
    const res = await client.submit("/logout", {});
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/");
    expect(client.cookies.has("fb_session")).toBe(false);
    // Replaying the old cookie no longer works.
    const replay = new HttpClient(node.url);
    replay.cookies.set("fb_session", token);
    const account = await replay.get("/account");
    expect(account.status).toBe(303);
    expect(account.headers.get("Location")).toBe("/login?next=%2Faccount");
  });

  it(`throttles after ${MAX_FAILED} failures (429) even with the right password`, async () => {
    await createUser("dave@univ.example");
    const client = node.client();
    for (let i = 0; i < MAX_FAILED; i++) {
      const res = await client.submit("/login", { email: "dave@univ.example", password: `wrong-${i}` });
      expect(res.status).toBe(401);
    }
    const blocked = await client.submit("/login", { email: "dave@univ.example", password: TEST_PASSWORD });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.getSetCookie().some((c) => c.startsWith("fb_session="))).toBe(false);
    expect(await blocked.text()).toContain("Trop de tentatives échouées. Réessayez dans quinze minutes.");
    // Another account from the same address is not blocked by dave's failures.
    await createUser("erin@univ.example");
    const other = await node.client().submit("/login", { email: "erin@univ.example", password: TEST_PASSWORD });
    expect(other.status).toBe(303);
  });

  it("the setup link lets the first admin choose a password once", async () => {
    const anon = node.client();
    const page = await anon.text(`/setup/${setupToken}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain(adminEmail);

    const mismatch = await anon.submit(`/setup/${setupToken}`, { password: "a-long-password-1", confirm: "another-password-2" });
    expect(mismatch.status).toBe(422);
    expect(await mismatch.text()).toMatch(/id="f-confirm-error">Les deux mots de passe ne sont pas identiques\.</);

    const done = await anon.submit(`/setup/${setupToken}`, { password: "admin-password-42", confirm: "admin-password-42" });
    expect(done.status).toBe(303);
    expect(done.headers.get("Location")).toBe("/");
    const admin = await anon.text("/admin");
    expect(admin.status).toBe(200); // signed in, as node admin

    const again = await node.client().text(`/setup/${setupToken}`);
    expect(again.status).toBe(410);
    expect(again.body).toContain(esc("Ce lien n'est plus valable (déjà utilisé ou expiré)."));
    const reuse = await node.client().submit(`/setup/${setupToken}`, { password: "attacker-password-1", confirm: "attacker-password-1" });
    expect(reuse.status).toBe(410);

    // The password chosen first is the one that works.
    expect((await node.client().submit("/login", { email: adminEmail, password: "admin-password-42" })).status).toBe(303);
    expect((await node.client().submit("/login", { email: adminEmail, password: "attacker-password-1" })).status).toBe(401);
  });

  it("an unknown setup token answers 410", async () => {
    expect((await node.client().text("/setup/not-a-real-token")).status).toBe(410);
  });

  it("changing the password ends the person's other sessions and keeps this one", async () => {
    const laptop = await node.signIn("frank@univ.example");
    const phone = await node.signIn("frank@univ.example");
    expect((await phone.get("/account")).status).toBe(200);

    const wrong = await laptop.submit("/account/password", { current: "bad", password: "new-password-frank", confirm: "new-password-frank" });
    expect(wrong.status).toBe(422);
    expect((await phone.get("/account")).status).toBe(200); // nothing changed yet

    const res = await laptop.submit("/account/password", { current: TEST_PASSWORD, password: "new-password-frank", confirm: "new-password-frank" });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/account");
    expect((await laptop.get("/account")).status).toBe(200);
    const phoneAfter = await phone.get("/account");
    expect(phoneAfter.status).toBe(303);
    expect(phoneAfter.headers.get("Location")).toMatch(/^\/login\?next=/);
    expect((await node.client().submit("/login", { email: "frank@univ.example", password: TEST_PASSWORD })).status).toBe(401);
    expect((await node.client().submit("/login", { email: "frank@univ.example", password: "new-password-frank" })).status).toBe(303);
  });

  describe("the next parameter only leads to this site", () => {
    beforeAll(async () => { await createUser("grace@univ.example"); });

    for (const evil of ["//evil.example", "https://evil.example/", "/\\evil.example", "evil.example"]) {
      it(`after sign-in, refuses next=${evil}`, async () => {
        const res = await node.client().submit("/login", { email: "grace@univ.example", password: TEST_PASSWORD, next: evil });
        expect(res.status).toBe(303);
        expect(res.headers.get("Location")).toBe("/");
      });
    }

    it("follows a local next after sign-in", async () => {
      const res = await node.client().submit("/login", { email: "grace@univ.example", password: TEST_PASSWORD, next: "/issuers?x=1" });
      expect(res.headers.get("Location")).toBe("/issuers?x=1");
    });

    it("refuses //evil.example on /login when already signed in and on the language switch", async () => {
      const client = await node.signIn("grace@univ.example");
      const login = await client.get("/login?next=%2F%2Fevil.example");
      expect(login.status).toBe(303);
      expect(login.headers.get("Location")).toBe("/");
      const lang = await client.get("/lang/en?next=%2F%2Fevil.example");
      expect(lang.status).toBe(303);
      expect(lang.headers.get("Location")).toBe("/");
    });
  });
});
