import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemActor } from "../../src/audit/audit.service.ts";
import { HttpClient } from "../helpers/http-client.ts";
import { freePort, startTestNode, TEST_PASSWORD, type TestNode } from "../helpers/node.ts";
import { oidcLogin, startTestOp, throughProvider, type TestOp } from "../fixtures/sso/oidc-op.ts";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

describe("OpenID Connect single sign-on against a real provider (oidc-provider)", () => {
  let node: TestNode;
  let op: TestOp;

  beforeAll(async () => {
    const deadPort = await freePort(); // nothing listens there
    op = await startTestOp({
      clientId: "francebadge", clientSecret: "op-client-secret-0123456789", redirectUri: () => `${node.url}/auth/oidc/univ/callback`,
      accounts: {
        "alice-sub": { email: "alice@univ-oidc.fr", email_verified: true, name: "Alice Martin", eduperson_principal_name: "alice@univ-oidc.fr", eduperson_scoped_affiliation: ["student@univ-oidc.fr"] },
        "sam-sub": { email: "sam@univ-oidc.fr", email_verified: true, name: "Sam Staff", eduperson_scoped_affiliation: ["staff@univ-oidc.fr", "member@univ-oidc.fr"] },
        "unverified-sub": { email: "mallory@univ-oidc.fr", email_verified: false, name: "Mallory" },
      },
    });
    node = await startTestNode({
      sso: {
        oidc: [
          { id: "univ", issuer: op.issuer, clientId: "francebadge", clientSecret: "op-client-secret-0123456789", label: "Université OIDC", scopes: ["openid", "email", "profile", "eduperson"] },
          { id: "down", issuer: `http://127.0.0.1:${deadPort}`, clientId: "x", label: "Provider down" },
        ],
        roleRules: [{ affiliation: "staff", homeOrganization: "univ-oidc.fr", issuer: "univ-oidc", role: "awarder" }],
        staffPasswordLogin: false,
      },
    });
    const issuer = await node.services.issuers.create(systemActor, { slug: "univ-oidc", name: "Université OIDC", description: "", website: null, email: null, logoUrl: null, parent: null });
    if (!issuer.ok) throw new Error("issuer not created");
  });
  afterAll(async () => {
    await op?.close();
    await node?.close();
  });

  const countUsers = async () => Number((await node.database.db.selectFrom("users").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);

  const login = (client: HttpClient, accountId: string, next = "/account") => oidcLogin(op, node.url, client, accountId, next);

  it("sends the browser to the provider with PKCE (S256), state and nonce, and keeps the flow in a sealed cookie", async () => {
    const client = node.client();
    const res = await client.get("/auth/oidc/univ/login");
    const url = new URL(res.headers.get("Location")!);
    expect(url.origin).toBe(op.issuer);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get("state")).toBeTruthy();
    expect(url.searchParams.get("nonce")).toBeTruthy();
    expect(url.searchParams.get("redirect_uri")).toBe(`${node.url}/auth/oidc/univ/callback`);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("fb_oidc="))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toContain(url.searchParams.get("state")!); // sealed, not readable
  });

  it("creates the account on the first login, signs in, and reuses it on the second", async () => {
    const before = await countUsers();
    const client = node.client();
    const res = await login(client, "alice-sub");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/account");
    expect(res.headers.getSetCookie().some((c) => c.startsWith("fb_oidc=") && /max-age=0|expires=thu, 01 jan 1970/i.test(c))).toBe(true);
    expect((await client.text("/account")).body).toContain("alice@univ-oidc.fr");
    const user = (await node.services.accounts.findByEmail("alice@univ-oidc.fr"))!;
    expect(user.display_name).toBe("Alice Martin");
    const identity = await node.database.db.selectFrom("user_identities").selectAll().where("user_id", "=", user.id).executeTakeFirstOrThrow();
    expect([identity.provider, identity.subject_type, identity.subject, identity.eppn, identity.email_verified]).toEqual(["oidc:univ", "sub", "alice-sub", "alice@univ-oidc.fr", 1]);
    expect(await node.services.sso.identifiersOf(user.id)).toContainEqual({ type: "ext:eduPersonPrincipalName", value: "alice@univ-oidc.fr" });

    const second = node.client();
    expect((await login(second, "alice-sub")).status).toBe(303);
    expect((await second.text("/account")).body).toContain("alice@univ-oidc.fr");
    expect(await countUsers()).toBe(before + 1);
    const logins = await node.database.db.selectFrom("audit_events").select(["action", "details"]).where("action", "=", "auth.login").where("object_id", "=", user.id).execute();
    expect(logins.map((e) => JSON.parse(e.details ?? "{}"))).toEqual([{ method: "sso", provider: "oidc:univ" }, { method: "sso", provider: "oidc:univ" }]);
  });

  it("gives the staff role from the mapping rule (scoped affiliation claim)", async () => {
    expect((await login(node.client(), "sam-sub")).status).toBe(303);
    const sam = (await node.services.accounts.findByEmail("sam@univ-oidc.fr"))!;
    const issuer = (await node.services.issuers.findBySlug("univ-oidc"))!;
    expect((await node.services.members.rolesOf(sam, issuer)).has("awarder")).toBe(true);
  });

  it("refuses an address the provider does not verify: nothing created", async () => {
    const before = await countUsers();
    const res = await login(node.client(), "unverified-sub");
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('data-sso-error="email-unverified"');
    expect(await countUsers()).toBe(before);
    expect(await node.services.accounts.findByEmail("mallory@univ-oidc.fr")).toBeUndefined();
  });

  it("refuses a callback without the browser's flow cookie (login CSRF), and a provider's error answer", async () => {
    op.signInAs("alice-sub");
    const start = await node.client().get("/auth/oidc/univ/login");
    const callback = await throughProvider(op, node.url, start.headers.get("Location")!);
    const stranger = node.client(); // not the browser that started the login
    const res = await stranger.get(callback.slice(node.url.length));
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('data-sso-error="flow-missing"');
    expect(res.headers.getSetCookie().some((c) => c.startsWith("fb_session="))).toBe(false);

    const client = node.client();
    const begun = new URL((await client.get("/auth/oidc/univ/login")).headers.get("Location")!);
    const denied = await client.get(`/auth/oidc/univ/callback?error=access_denied&state=${begun.searchParams.get("state")}&iss=${encodeURIComponent(op.issuer)}`);
    expect(denied.status).toBe(401);
    expect(await denied.text()).toContain('data-sso-error="provider-error"');
  });

  it("answers 404 for an unknown provider and 502 when the provider cannot be reached", async () => {
    const unknown = await node.client().get("/auth/oidc/nope/login");
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('data-sso-error="unknown-provider"');
    const down = await node.client().get("/auth/oidc/down/login");
    expect(down.status).toBe(502);
    expect(await down.text()).toContain('data-sso-error="provider-unavailable"');
  });

  it("shows one button per provider on the login page", async () => {
    const page = await node.client().text("/login?next=/account");
    expect(page.body).toContain(`href="/auth/oidc/univ/login?next=${encodeURIComponent("/account")}"`);
    expect(page.body).toContain(esc("Se connecter avec Université OIDC"));
  });

  it("with staffPasswordLogin off, staff must use SSO; learners and node administrators keep their password", async () => {
    const issuer = (await node.services.issuers.findBySlug("univ-oidc"))!;
    for (const email of ["teacher@univ-oidc.fr", "learner@univ-oidc.fr", "root@univ-oidc.fr"]) {
      const r = await node.services.accounts.create({ email, displayName: email, password: TEST_PASSWORD, isNodeAdmin: email.startsWith("root") });
      if (!r.ok) throw new Error(r.error);
    }
    await node.services.members.add(systemActor, issuer, { email: "teacher@univ-oidc.fr", role: "creator" });
    await node.services.members.add(systemActor, issuer, { email: "root@univ-oidc.fr", role: "admin" });
    const staff = await node.client().submit("/login", { email: "teacher@univ-oidc.fr", password: TEST_PASSWORD });
    expect(staff.status).toBe(401);
    expect(await staff.text()).toContain(esc("Les personnels se connectent par leur établissement"));
    expect((await node.client().submit("/login", { email: "learner@univ-oidc.fr", password: TEST_PASSWORD })).status).toBe(303);
    expect((await node.client().submit("/login", { email: "root@univ-oidc.fr", password: TEST_PASSWORD })).status).toBe(303);
  });
});
