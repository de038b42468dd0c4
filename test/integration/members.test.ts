import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemActor } from "../../src/audit/audit.service.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import type { HttpClient } from "../helpers/http-client.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
const fieldError = (html: string, field: string) => new RegExp(`<p class="error" id="f-${field}-error">([^<]*)</p>`).exec(html)?.[1] ?? null;
/** The invitation link shown to the admin (absolute URL) → its path. */
const invitationPath = (html: string) => {
  const m = /value="(https?:\/\/[^"]+\/invitations\/[^"]+)"/.exec(html);
  return m?.[1] ? new URL(m[1]).pathname : null;
};

describe("members and invitations of an issuer space", () => {
  let node: TestNode;
  let alpha: IssuerRow, beta: IssuerRow;
  let boss: HttpClient; // admin of alpha only
  let bossId: string;

  beforeAll(async () => {
    node = await startTestNode();
    const mk = async (slug: string, name: string) => {
      const r = await node.services.issuers.create(systemActor, { slug, name, description: "", website: null, email: null, logoUrl: null, parent: null });
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      return r.value;
    };
    alpha = await mk("alpha", "Alpha School");
    beta = await mk("beta", "Beta School");
    boss = await node.signIn("boss@alpha.example");
    bossId = (await node.services.accounts.findByEmail("boss@alpha.example"))!.id;
    await node.services.members.add(systemActor, alpha, { email: "boss@alpha.example", role: "admin" });
    await node.signIn("boss@beta.example");
    await node.services.members.add(systemActor, beta, { email: "boss@beta.example", role: "admin" });
  });
  afterAll(async () => { await node?.close(); });

  const db = () => node.database.db;
  const rolesIn = async (issuerId: string, email: string) =>
    (await db().selectFrom("memberships").innerJoin("users", "users.id", "memberships.user_id").select("role")
      .where("issuer_id", "=", issuerId).where("users.email", "=", email).execute()).map((r) => r.role).sort();
  const count = async (table: "memberships" | "invitations") =>
    Number((await db().selectFrom(table).select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);

  it("the admin adds an existing user with a role; that user then sees the space on /", async () => {
    const carol = await node.signIn("carol@alpha.example");
    expect(await carol.text("/").then((p) => p.body)).not.toContain('href="/issuers/alpha"');
    const res = await boss.submit("/issuers/alpha/members", { email: "Carol@Alpha.example", role: "creator" });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain(esc("carol@alpha.example a maintenant le rôle « création de modèles »."));
    expect(body).toContain("<small>carol@alpha.example</small>");
    expect(await rolesIn(alpha.id, "carol@alpha.example")).toEqual(["creator"]);
    const home = await carol.text("/");
    expect(home.body).toContain('<a href="/issuers/alpha">Alpha School</a>');
    expect(home.body).toContain("création de modèles");
    // Adding the same role again changes nothing.
    const again = await boss.submit("/issuers/alpha/members", { email: "carol@alpha.example", role: "creator" });
    expect(await again.text()).toContain(esc("carol@alpha.example avait déjà ce rôle."));
    expect(await rolesIn(alpha.id, "carol@alpha.example")).toEqual(["creator"]);
  });

  it("an unknown e-mail gets an invitation link; the invitee creates an account with it and gets the role, once", async () => {
    const res = await boss.submit("/issuers/alpha/members", { email: "dora@elsewhere.example", role: "jury" });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain("Invitation envoyée par e-mail à dora@elsewhere.example.");
    const path = invitationPath(body);
    expect(path).toMatch(/^\/invitations\/[A-Za-z0-9_-]{40,}$/);
    expect(await node.services.accounts.findByEmail("dora@elsewhere.example")).toBeUndefined();
    expect(body).toMatch(/<li>dora@elsewhere\.example — jury — expire le/);

    const invitee = node.client();
    const page = await invitee.text(path!);
    expect(page.status).toBe(200);
    expect(page.body).toContain(esc("Vous êtes invité·e à rejoindre « Alpha School » avec le rôle « jury »."));
    expect(page.body).toContain("<strong>dora@elsewhere.example</strong>");

    const weak = await invitee.submit(path!, { displayName: "Dora", password: "short", confirm: "short" });
    expect(weak.status).toBe(422);
    expect(fieldError(await weak.text(), "password")).toBe("Le mot de passe doit faire au moins 10 caractères.");
    expect(await node.services.accounts.findByEmail("dora@elsewhere.example")).toBeUndefined();

    const done = await invitee.submit(path!, { displayName: "Dora Explorer", password: "dora-password-1", confirm: "dora-password-1" });
    expect(done.status).toBe(303);
    expect(done.headers.get("Location")).toBe("/issuers/alpha");
    const dora = (await node.services.accounts.findByEmail("dora@elsewhere.example"))!;
    expect(dora.display_name).toBe("Dora Explorer");
    expect(await rolesIn(alpha.id, "dora@elsewhere.example")).toEqual(["jury"]);
    const home = await invitee.text("/"); // signed in by the acceptance
    expect(home.body).toContain('<a href="/issuers/alpha">Alpha School</a>');

    // Single use.
    const reopened = await node.client().text(path!);
    expect(reopened.status).toBe(410);
    expect(reopened.body).toContain("Cette invitation n&#39;est plus valable.");
    const replay = await node.client().submit(path!, { displayName: "Mallory", password: "mallory-pass-1", confirm: "mallory-pass-1" });
    expect(replay.status).toBe(410);
    expect(await rolesIn(alpha.id, "dora@elsewhere.example")).toEqual(["jury"]);
    const inv = await db().selectFrom("invitations").selectAll().where("email", "=", "dora@elsewhere.example").executeTakeFirstOrThrow();
    expect(inv.accepted_by).toBe(dora.id);
    expect(inv.accepted_at).not.toBeNull();
  });

  it("a revoked invitation link no longer works", async () => {
    const res = await boss.submit("/issuers/alpha/members", { email: "eve@elsewhere.example", role: "viewer" });
    const path = invitationPath(await res.text())!;
    const inv = await db().selectFrom("invitations").selectAll().where("email", "=", "eve@elsewhere.example").executeTakeFirstOrThrow();
    const revoked = await boss.submit(`/issuers/alpha/invitations/${inv.id}/revoke`, {});
    expect(revoked.status).toBe(200);
    expect(await revoked.text()).not.toContain("eve@elsewhere.example");
    const row = await db().selectFrom("invitations").select("revoked_at").where("id", "=", inv.id).executeTakeFirstOrThrow();
    expect(row.revoked_at).not.toBeNull();
    expect((await node.client().text(path)).status).toBe(410);
    const post = await node.client().submit(path, { displayName: "Eve", password: "eve-password-1", confirm: "eve-password-1" });
    expect(post.status).toBe(410);
    expect(await node.services.accounts.findByEmail("eve@elsewhere.example")).toBeUndefined();
  });

  it("an unknown role is refused with 422 next to the role field, nothing stored", async () => {
    const [m, i] = [await count("memberships"), await count("invitations")];
    const res = await boss.submit("/issuers/alpha/members", { email: "carol@alpha.example", role: "overlord" });
    expect(res.status).toBe(422);
    expect(fieldError(await res.text(), "role")).toBe("Rôle inconnu.");
    const res2 = await boss.submit("/issuers/alpha/members", { email: "nobody@elsewhere.example", role: "superadmin" });
    expect(res2.status).toBe(422);
    expect([await count("memberships"), await count("invitations")]).toEqual([m, i]);
  });

  it("a malformed e-mail is refused with 422 next to the e-mail field, nothing stored", async () => {
    const [m, i] = [await count("memberships"), await count("invitations")];
    const res = await boss.submit("/issuers/alpha/members", { email: "not an e-mail", role: "viewer" }, { "Accept-Language": "en" });
    expect(res.status).toBe(422);
    const body = await res.text();
    expect(fieldError(body, "email")).toBe("This e-mail address is not valid.");
    expect(body).toContain('value="not an e-mail"');
    expect([await count("memberships"), await count("invitations")]).toEqual([m, i]);
  });

  it("an htmx request gets the #members-panel fragment, not a page", async () => {
    const res = await boss.submit("/issuers/alpha/members", { email: "carol@alpha.example", role: "awarder" }, { "HX-Request": "true" });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body.trimStart().startsWith('<div id="members-panel">')).toBe(true);
    expect(body).not.toContain("<html");
    expect(body).not.toContain("<footer");
    expect(body).toContain("proposition d&#39;attributions");
    const full = await boss.text("/issuers/alpha/members");
    expect(full.body).toContain("<html");
    expect(full.body).toContain('<div id="members-panel">');
    const fragment = await boss.get("/issuers/alpha/members", { "HX-Request": "true" });
    expect((await fragment.text()).trimStart().startsWith('<div id="members-panel">')).toBe(true);
  });

  it("the last admin of a top-level space cannot be removed; another role can", async () => {
    const res = await boss.submit("/issuers/alpha/members/remove", { userId: bossId, role: "admin" });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("Impossible de retirer le dernier administrateur de l&#39;espace.");
    expect(await rolesIn(alpha.id, "boss@alpha.example")).toEqual(["admin"]);
    const carolId = (await node.services.accounts.findByEmail("carol@alpha.example"))!.id;
    const removed = await boss.submit("/issuers/alpha/members/remove", { userId: carolId, role: "awarder" });
    expect(removed.status).toBe(200);
    expect(await removed.text()).toContain("Rôle retiré.");
    expect(await rolesIn(alpha.id, "carol@alpha.example")).toEqual(["creator"]);
    const badRole = await boss.submit("/issuers/alpha/members/remove", { userId: carolId, role: "emperor" });
    expect(badRole.status).toBe(422);
  });

  describe("no access without a role on the issuer in the URL", () => {
    let invitationId: string;
    let snapshot: () => Promise<unknown>;
    beforeAll(async () => {
      const r = await node.services.members.add(systemActor, alpha, { email: "pending@elsewhere.example", role: "viewer" });
      if (r.kind !== "invited") throw new Error("expected an invitation");
      invitationId = r.invitation.id;
      snapshot = async () => ({
        issuers: await db().selectFrom("issuers").select(["slug", "name", "parent_id", "website"]).orderBy("slug").execute(),
        memberships: await db().selectFrom("memberships").select(["issuer_id", "user_id", "role"]).orderBy("issuer_id").orderBy("user_id").orderBy("role").execute(),
        invitations: await db().selectFrom("invitations").select(["id", "revoked_at", "accepted_at"]).orderBy("id").execute(),
      });
    });

    const staffRoutes = (slug: string, userId: string, invId: () => string) => [
      { method: "GET", path: `/issuers/${slug}/settings` },
      { method: "POST", path: `/issuers/${slug}/settings`, fields: { name: "Taken over", parent: "" } },
      { method: "GET", path: `/issuers/${slug}/members` },
      { method: "POST", path: `/issuers/${slug}/members`, fields: { email: "intruder@evil.example", role: "admin" } },
      { method: "POST", path: `/issuers/${slug}/members/remove`, fields: { userId, role: "admin" } },
      { method: "POST", path: `/issuers/${slug}/invitations/${invId()}/revoke`, fields: {} },
    ] as const;

    async function call(client: HttpClient, r: ReturnType<typeof staffRoutes>[number], headers: Record<string, string> = {}) {
      return r.method === "GET" ? client.get(r.path, headers) : client.submit(r.path, r.fields, headers);
    }

    it("a signed-in user without any role gets 403 on every staff route of the space", async () => {
      const nobody = await node.signIn("nobody@alpha.example");
      const before = await snapshot();
      for (const r of staffRoutes("alpha", bossId, () => invitationId)) {
        const res = await call(nobody, r);
        expect(res.status, `${r.method} ${r.path}`).toBe(403);
        expect(await res.text(), `${r.method} ${r.path}`).toContain("Accès refusé");
      }
      expect(await snapshot()).toEqual(before);
      // The public page stays readable, without the staff box.
      const show = await nobody.text("/issuers/alpha");
      expect(show.status).toBe(200);
      expect(show.body).not.toContain('href="/issuers/alpha/settings"');
    });

    it("a member without the admin role gets 403 too", async () => {
      const jury = await node.signIn("dora@elsewhere.example", { password: "dora-password-1" });
      const before = await snapshot();
      for (const r of staffRoutes("alpha", bossId, () => invitationId)) {
        expect((await call(jury, r)).status, `${r.method} ${r.path}`).toBe(403);
      }
      expect(await snapshot()).toEqual(before);
    });

    it("the admin of alpha gets 403 on beta's routes (changing the slug grants nothing)", async () => {
      const betaBossId = (await node.services.accounts.findByEmail("boss@beta.example"))!.id;
      const betaInv = await node.services.members.add(systemActor, beta, { email: "pending-beta@elsewhere.example", role: "viewer" });
      if (betaInv.kind !== "invited") throw new Error("expected an invitation");
      const before = await snapshot();
      for (const r of staffRoutes("beta", betaBossId, () => betaInv.invitation.id)) {
        const res = await call(boss, r);
        expect(res.status, `${r.method} ${r.path}`).toBe(403);
      }
      // Nor may alpha's admin revoke beta's invitation through alpha's URL.
      const crossed = await boss.submit(`/issuers/alpha/invitations/${betaInv.invitation.id}/revoke`, {});
      expect(crossed.status).toBe(404);
      expect(await snapshot()).toEqual(before);
      // Nor remove beta's admin through alpha's URL.
      const crossRemove = await boss.submit("/issuers/alpha/members/remove", { userId: betaBossId, role: "admin" });
      expect(crossRemove.status).toBe(422);
      expect(await snapshot()).toEqual(before);
    });

    it("anonymous GETs are sent to sign in, anonymous POSTs get 401/403, nothing changes", async () => {
      const before = await snapshot();
      for (const r of staffRoutes("alpha", bossId, () => invitationId)) {
        const anon = node.client();
        if (r.method === "GET") {
          const res = await anon.get(r.path);
          expect(res.status, r.path).toBe(303);
          expect(res.headers.get("Location")).toBe(`/login?next=${encodeURIComponent(r.path)}`);
        } else {
          const withToken = await anon.submit(r.path, r.fields);
          expect(withToken.status, r.path).toBe(401);
          const bare = await node.client().request(r.path, { method: "POST", body: new URLSearchParams(r.fields), headers: { "Content-Type": "application/x-www-form-urlencoded" } });
          expect(bare.status, r.path).toBe(403);
        }
      }
      expect(await snapshot()).toEqual(before);
    });

    it("an unknown issuer slug is a 404 even for a node admin", async () => {
      const root = await node.signIn("root@node.example", { nodeAdmin: true });
      expect((await root.get("/issuers/gamma/members")).status).toBe(404);
      expect((await root.get("/issuers/alpha/members")).status).toBe(200);
    });
  });
});
