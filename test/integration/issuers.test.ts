import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemActor } from "../../src/audit/audit.service.ts";
import type { HttpClient } from "../helpers/http-client.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** The error paragraph our field partial renders under a field, or null. */
function fieldError(html: string, field: string): string | null {
  return new RegExp(`<p class="error" id="f-${field}-error">([^<]*)</p>`).exec(html)?.[1] ?? null;
}

describe("issuer spaces", () => {
  let node: TestNode;
  let root: HttpClient;

  beforeAll(async () => {
    node = await startTestNode();
    root = await node.signIn("root@univ.example", { nodeAdmin: true });
  });
  afterAll(async () => { await node?.close(); });

  const db = () => node.database.db;
  const countIssuers = async () => Number((await db().selectFrom("issuers").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
  const issuer = (slug: string) => node.services.issuers.findBySlug(slug);

  async function create(slug: string, name: string, parent?: string) {
    const r = await node.services.issuers.create(systemActor, { slug, name, description: "", website: null, email: null, logoUrl: null, parent: parent ?? null });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    return r.value;
  }

  it("a node admin creates an issuer and a sub-issuer; /issuers shows the tree", async () => {
    const res = await root.submit("/issuers/new", {
      slug: "amu", name: "Aix-Marseille Université", description: "Une université.", website: "https://www.univ-amu.fr", email: "contact@univ-amu.fr",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/issuers/amu");
    const sub = await root.submit("/issuers/new", { slug: "amu-sciences", name: "Faculté des sciences", parent: "amu" });
    expect(sub.status).toBe(303);
    expect(sub.headers.get("Location")).toBe("/issuers/amu-sciences");

    const amu = (await issuer("amu"))!;
    expect(amu).toMatchObject({ name: "Aix-Marseille Université", description: "Une université.", website: "https://www.univ-amu.fr", email: "contact@univ-amu.fr", parent_id: null });
    expect((await issuer("amu-sciences"))!.parent_id).toBe(amu.id);

    const page = await node.client().text("/issuers");
    expect(page.status).toBe(200);
    const parentAt = page.body.indexOf('<li class="depth-0"><a href="/issuers/amu">Aix-Marseille Université</a></li>');
    const childAt = page.body.indexOf('<li class="depth-1"><a href="/issuers/amu-sciences">Faculté des sciences</a></li>');
    expect(parentAt).toBeGreaterThan(-1);
    expect(childAt).toBeGreaterThan(parentAt);

    const show = await node.client().text("/issuers/amu-sciences");
    expect(show.body).toContain(`<a href="/issuers/amu">${esc("Rattaché à Aix-Marseille Université")}</a>`);
    const parentPage = await node.client().text("/issuers/amu");
    expect(parentPage.body).toContain('<li><a href="/issuers/amu-sciences">Faculté des sciences</a></li>');
  });

  describe("bad input: 422, the message next to the field, nothing stored", () => {
    beforeAll(async () => { if (!(await issuer("taken"))) await create("taken", "Déjà là"); });

    const cases: Array<[string, Record<string, string>, string, string]> = [
      ["an empty name", { slug: "empty-name", name: "   " }, "name", "Ce champ est obligatoire."],
      ["an over-long name", { slug: "long-name", name: "x".repeat(201) }, "name", "Ce texte est trop long."],
      ["a duplicate slug", { slug: "taken", name: "Doublon" }, "slug", "Cet identifiant est déjà utilisé."],
      ["a slug with spaces and symbols", { slug: "bad slug!", name: "Mauvais" }, "slug", "Utilisez de 2 à 60 lettres minuscules, chiffres ou tirets."],
      ["a one-letter slug", { slug: "a", name: "Court" }, "slug", "Utilisez de 2 à 60 lettres minuscules, chiffres ou tirets."],
      ["a reserved slug", { slug: "admin", name: "Réservé" }, "slug", "Cet identifiant est réservé."],
      ["a malformed e-mail", { slug: "bad-email", name: "Courriel", email: "contact@" }, "email", "Cette adresse e-mail n'est pas valide."],
      ["a javascript: website", { slug: "bad-web", name: "Site", website: "javascript:alert(1)" }, "website", "Cette adresse web n'est pas valide (https://…)."],
      ["a website without scheme", { slug: "bad-web2", name: "Site", website: "www.example.org" }, "website", "Cette adresse web n'est pas valide (https://…)."],
      ["an unknown parent", { slug: "orphan", name: "Orphelin", parent: "ghost" }, "parent", "Aucun émetteur n'a cet identifiant."],
    ];
    for (const [what, fields, field, message] of cases) {
      it(what, async () => {
        const before = await countIssuers();
        const res = await root.submit("/issuers/new", fields);
        expect(res.status).toBe(422);
        const body = await res.text();
        expect(fieldError(body, field)).toBe(esc(message));
        expect(body).toContain('aria-invalid="true"');
        expect(body).toContain(esc("Le formulaire contient des erreurs : rien n'a été enregistré."));
        // The typed values come back in the form.
        if (fields.name?.trim()) expect(body).toContain(`value="${esc(fields.name)}"`);
        expect(await countIssuers()).toBe(before);
        if (fields.slug !== "taken") expect(await issuer(fields.slug!)).toBeUndefined();
      });
    }

    it("the messages are in English for an English reader", async () => {
      const res = await root.submit("/issuers/new", { slug: "en-empty", name: "" }, { "Accept-Language": "en" });
      expect(res.status).toBe(422);
      expect(fieldError(await res.text(), "name")).toBe("This field is required.");
    });

    it("a 200-character name is accepted", async () => {
      const res = await root.submit("/issuers/new", { slug: "long-ok", name: "é".repeat(200) });
      expect(res.status).toBe(303);
      expect((await issuer("long-ok"))!.name).toBe("é".repeat(200));
    });
  });

  describe("settings and the parent chain", () => {
    let a: string, b: string;
    beforeAll(async () => {
      a = (await create("cycle-a", "A")).id;
      b = (await create("cycle-b", "B", "cycle-a")).id;
      await create("cycle-c", "C", "cycle-b");
    });

    it("refuses to make A a child of its child B (or of its grandchild C)", async () => {
      for (const parent of ["cycle-b", "cycle-c"]) {
        const res = await root.submit("/issuers/cycle-a/settings", { name: "A renamed", parent });
        expect(res.status).toBe(422);
        expect(fieldError(await res.text(), "parent")).toBe(esc("Cet émetteur ne peut pas dépendre de lui-même ni d'un de ses espaces rattachés."));
      }
      const row = (await issuer("cycle-a"))!;
      expect(row.parent_id).toBeNull();
      expect(row.name).toBe("A");
      expect((await issuer("cycle-b"))!.parent_id).toBe(a);
    });

    it("refuses to make an issuer its own parent", async () => {
      const res = await root.submit("/issuers/cycle-b/settings", { name: "B", parent: "cycle-b" });
      expect(res.status).toBe(422);
      expect(fieldError(await res.text(), "parent")).not.toBeNull();
      expect((await issuer("cycle-b"))!.parent_id).toBe(a);
    });

    it("refuses an empty name in settings and keeps the stored one", async () => {
      const res = await root.submit("/issuers/cycle-b/settings", { name: "", parent: "cycle-a" });
      expect(res.status).toBe(422);
      expect(fieldError(await res.text(), "name")).toBe("Ce champ est obligatoire.");
      expect((await issuer("cycle-b"))!.name).toBe("B");
    });

    it("the settings page is prefilled with the stored values", async () => {
      const page = await root.text("/issuers/cycle-b/settings");
      expect(page.status).toBe(200);
      expect(page.body).toContain('id="f-name" name="name" type="text" value="B"');
      expect(page.body).toContain('id="f-parent" name="parent" type="text" value="cycle-a"');
      expect(b).toBeTruthy();
    });
  });

  describe("who may do what", () => {
    let plain: HttpClient, boss: HttpClient;
    beforeAll(async () => {
      plain = await node.signIn("plain@univ.example");
      boss = await node.signIn("boss@univ.example");
      const inst = await create("inst", "Institut");
      await create("inst-school", "École de l'institut", "inst");
      await node.services.members.add(systemActor, inst, { email: "boss@univ.example", role: "admin" });
    });

    it("a user without node administration gets 403 on /issuers/new and cannot create", async () => {
      const page = await plain.get("/issuers/new");
      expect(page.status).toBe(403);
      expect(await page.text()).toContain("Accès refusé");
      const before = await countIssuers();
      const res = await plain.submit("/issuers/new", { slug: "sneaky", name: "Sournois" });
      expect(res.status).toBe(403);
      expect(await countIssuers()).toBe(before);
      const under = await plain.submit("/issuers/new", { slug: "sneaky2", name: "Sournois", parent: "inst" });
      expect(under.status).toBe(403);
      expect(await issuer("sneaky2")).toBeUndefined();
    });

    it("anonymous visitors are sent to sign in", async () => {
      const res = await node.client().get("/issuers/new");
      expect(res.status).toBe(303);
      expect(res.headers.get("Location")).toBe("/login?next=%2Fissuers%2Fnew");
    });

    it("the issuer's admin edits its settings", async () => {
      expect((await boss.get("/issuers/inst/settings")).status).toBe(200);
      const res = await boss.submit("/issuers/inst/settings", { name: "Institut national", website: "https://inst.example", email: "hello@inst.example", description: "Nouveau" });
      expect(res.status).toBe(303);
      expect(res.headers.get("Location")).toBe("/issuers/inst");
      expect(await issuer("inst")).toMatchObject({ name: "Institut national", website: "https://inst.example", email: "hello@inst.example", description: "Nouveau" });
      expect((await plain.get("/issuers/inst/settings")).status).toBe(403);
    });

    it("the admin of the parent administers the sub-issuer and may create spaces under it", async () => {
      expect((await boss.get("/issuers/inst-school/settings")).status).toBe(200);
      expect((await boss.get("/issuers/inst-school/members")).status).toBe(200);
      const res = await boss.submit("/issuers/inst-school/settings", { name: "École rénovée", parent: "inst" });
      expect(res.status).toBe(303);
      expect((await issuer("inst-school"))!.name).toBe("École rénovée");
      expect((await boss.get("/issuers/new?parent=inst")).status).toBe(200);
      expect((await boss.get("/issuers/new")).status).toBe(403); // top level: node admins only
      const sub = await boss.submit("/issuers/new", { slug: "inst-lab", name: "Laboratoire", parent: "inst-school" });
      expect(sub.status).toBe(303);
      expect((await issuer("inst-lab"))!.parent_id).toBe((await issuer("inst-school"))!.id);
    });

    it("an admin of another issuer gets 403 on this issuer's settings and changes nothing", async () => {
      const other = await node.signIn("other@univ.example");
      await node.services.members.add(systemActor, (await issuer("amu"))!, { email: "other@univ.example", role: "admin" });
      expect((await other.get("/issuers/inst/settings")).status).toBe(403);
      expect((await other.get("/issuers/inst-school/settings")).status).toBe(403);
      const res = await other.submit("/issuers/inst-school/settings", { name: "Volée", parent: "amu" });
      expect(res.status).toBe(403);
      expect((await issuer("inst-school"))!.name).toBe("École rénovée");
    });

    it("an admin cannot attach a space under an issuer they do not administer, nor detach it to the top level", async () => {
      const inst = (await issuer("inst"))!;
      for (const parent of ["amu", ""]) {
        const res = await boss.submit("/issuers/inst-school/settings", { name: "École rénovée", parent });
        expect(res.status).toBe(403);
        expect((await issuer("inst-school"))!.parent_id).toBe(inst.id);
      }
      // A node admin may move it.
      const moved = await root.submit("/issuers/inst-lab/settings", { name: "Laboratoire", parent: "inst" });
      expect(moved.status).toBe(303);
      expect((await issuer("inst-lab"))!.parent_id).toBe(inst.id);
    });
  });

  it("records audit events: issuer.create and issuer.update with who and from where", async () => {
    const res = await root.submit("/issuers/new", { slug: "audited", name: "Audité" });
    expect(res.status).toBe(303);
    const created = (await issuer("audited"))!;
    expect((await root.submit("/issuers/audited/settings", { name: "Audité bis" })).status).toBe(303);
    const rows = await db().selectFrom("audit_events").selectAll().where("object_id", "=", created.id).orderBy("at").orderBy("action").execute();
    const byAction = new Map(rows.map((r) => [r.action, r]));
    const rootUser = (await node.services.accounts.findByEmail("root@univ.example"))!;
    const createEvent = byAction.get("issuer.create");
    expect(createEvent).toMatchObject({ object_type: "issuer", issuer_id: created.id, actor_id: rootUser.id, actor_label: "root@univ.example" });
    expect(createEvent!.ip).toMatch(/127\.0\.0\.1$/);
    expect(JSON.parse(createEvent!.details!)).toEqual({ slug: "audited" });
    expect(byAction.get("issuer.update")).toMatchObject({ actor_id: rootUser.id, object_type: "issuer" });
    expect(byAction.get("issuer.update")!.ip).toMatch(/127\.0\.0\.1$/);
    // The creator of a top-level issuer becomes its admin, and that is audited too.
    const grant = await db().selectFrom("audit_events").selectAll().where("issuer_id", "=", created.id).where("action", "=", "member.add").executeTakeFirst();
    expect(grant).toMatchObject({ object_id: rootUser.id, actor_label: "root@univ.example" });
  });
});
