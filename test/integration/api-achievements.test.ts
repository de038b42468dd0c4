import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemActor } from "../../src/audit/audit.service.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import { apiTemplateBody as validBody } from "../fixtures/api-template-body.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";

type Json = Record<string, any>;


describe("REST API for templates", () => {
  let node: TestNode;
  let amu: IssuerRow, other: IssuerRow;
  let tokenA: string, tokenAward: string, tokenB: string, tokenRead: string;
  let draftId: string, publishedId: string;

  async function issuer(slug: string) {
    const r = await node.services.issuers.create(systemActor, { slug, name: slug.toUpperCase(), description: "", website: null, email: null, logoUrl: null, parent: null });
    if (!r.ok) throw new Error("issuer");
    return r.value;
  }
  async function token(owner: IssuerRow, scopes: string[]) {
    const r = await node.services.tokens.create(systemActor, owner, "test", scopes);
    if (!r.ok) throw new Error("token");
    return r.value.token;
  }

  beforeAll(async () => {
    node = await startTestNode();
    amu = await issuer("amu");
    other = await issuer("autre");
    [tokenA, tokenAward, tokenB, tokenRead] = [await token(amu, ["templates"]), await token(amu, ["award"]), await token(other, ["templates"]), await token(amu, ["read"])];
    const base = { description: "D.", criteria: { narrative: "C." } };
    const draft = await node.services.achievements.define(systemActor, amu, { ...base, name: "Brouillon secret", tags: ["x"] });
    const pub = await node.services.achievements.define(systemActor, amu, { ...base, name: "Badge publié", tags: ["x"] }, { publish: true });
    if (!draft.ok || !pub.ok) throw new Error("seed");
    draftId = draft.value.row.id;
    publishedId = pub.value.row.id;
  });
  afterAll(async () => { await node?.close(); });

  function call(method: string, path: string, opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { Accept: "application/json", ...opts.headers };
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined || opts.raw !== undefined) headers["Content-Type"] ??= "application/json";
    return fetch(`${node.url}${path}`, { method, headers, body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)) });
  }
  const countTemplates = async (issuerId: string) =>
    Number((await node.database.db.selectFrom("achievements").where("issuer_id", "=", issuerId).select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);

  describe("authentication and authorisation", () => {
    it("POST without a token, or with an unknown one: 401 JSON with a Bearer challenge", async () => {
      for (const t of [undefined, "fbt_nope"]) {
        const res = await call("POST", "/api/v1/issuers/amu/achievements", { token: t, body: validBody });
        expect(res.status).toBe(401);
        expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer realm="francebadge"/);
        expect((await res.json()) as any).toEqual({ errors: [{ field: "_token", message: "A valid API token is required (Authorization: Bearer fbt_…)." }] });
      }
      const basic = await call("PUT", `/api/v1/achievements/${publishedId}`, { headers: { Authorization: "Basic YTpi" }, body: validBody });
      expect(basic.status).toBe(401);
    });

    it("a token without the `templates` scope: 403", async () => {
      const res = await call("POST", "/api/v1/issuers/amu/achievements", { token: tokenAward, body: validBody });
      expect(res.status).toBe(403);
      expect(res.headers.get("WWW-Authenticate")).toContain('error="insufficient_scope", scope="templates"');
      expect(((await res.json()) as any).errors[0]).toEqual({ field: "_token", message: "This token lacks the scope “templates”." });
    });

    it("a token of another issuer: 403 on its URL and on its published template, 404 on its draft", async () => {
      expect((await call("POST", "/api/v1/issuers/amu/achievements", { token: tokenB, body: validBody })).status).toBe(403);
      expect((await call("PUT", `/api/v1/achievements/${publishedId}`, { token: tokenB, body: validBody })).status).toBe(403);
      expect((await call("PUT", `/api/v1/achievements/${draftId}`, { token: tokenB, body: validBody })).status).toBe(404);
      expect(await countTemplates(amu.id)).toBe(2);
      expect((await node.services.achievements.load(publishedId))!.content.name).toBe("Badge publié");
    });

    it("GET of a draft: 404 without a token of its issuer, 200 with one", async () => {
      expect((await call("GET", `/api/v1/achievements/${draftId}`)).status).toBe(404);
      expect((await call("GET", `/api/v1/achievements/${draftId}`, { token: tokenB })).status).toBe(404);
      expect((await call("GET", `/api/v1/achievements/${draftId}`, { token: tokenAward })).status).toBe(404);
      const own = await call("GET", `/api/v1/achievements/${draftId}`, { token: tokenRead });
      expect(own.status).toBe(200);
      expect((await own.json()) as any).toMatchObject({ id: draftId, status: "draft", version: 1, achievement: { name: "Brouillon secret" } });
      expect((await call("GET", "/api/v1/achievements/nope")).status).toBe(404);
      expect((await call("GET", `/api/v1/achievements/${draftId}`, { token: "fbt_bad" })).status).toBe(401);
    });

    it("listing drafts takes a token of the issuer: 401 anonymous, 403 another issuer's", async () => {
      expect((await call("GET", "/api/v1/issuers/amu/achievements?status=draft")).status).toBe(401);
      expect((await call("GET", "/api/v1/issuers/amu/achievements?status=draft", { token: tokenB })).status).toBe(403);
      const own = await (await call("GET", "/api/v1/issuers/amu/achievements?status=draft", { token: tokenA })).json() as Json;
      expect(own.items.map((i: Json) => i.id)).toEqual([draftId]);
      const bad = await call("GET", "/api/v1/issuers/amu/achievements?status=gone", { token: tokenA });
      expect(bad.status).toBe(422);
      expect(((await bad.json()) as any).errors[0].field).toBe("status");
    });
  });

  describe("reading", () => {
    it("GET list: published templates only, catalogue filters, OB 3.0 documents", async () => {
      const res = await call("GET", "/api/v1/issuers/amu/achievements");
      expect(res.status).toBe(200);
      const body = await res.json() as Json;
      expect(body).toMatchObject({ total: 1, page: 1, perPage: 20 });
      const [item] = body.items;
      expect(item).toMatchObject({ id: publishedId, url: `${node.url}/achievements/${publishedId}`, status: "published", version: 1, issuer: { id: `${node.url}/issuers/amu`, slug: "amu" } });
      expect(item.achievement).toMatchObject({ id: `${node.url}/achievements/${publishedId}`, type: ["Achievement"], name: "Badge publié", tag: ["x"], version: "1" });
      expect(item.achievement["@context"]).toContain("https://www.w3.org/ns/credentials/v2");
      const none = await (await call("GET", "/api/v1/issuers/amu/achievements?q=inexistant&tag=x")).json() as Json;
      expect(none).toMatchObject({ items: [], total: 0 });
      expect((await call("GET", "/api/v1/issuers/nobody/achievements")).status).toBe(404);
    });
  });

  describe("writing", () => {
    it("POST with a bad body: 422 listing every field in OB names, nothing stored", async () => {
      const before = await countTemplates(amu.id);
      const res = await call("POST", "/api/v1/issuers/amu/achievements", {
        token: tokenA,
        body: { name: "", criteria: {}, tag: ["ok", ""], alignment: [{ targetName: "X", targetUrl: "javascript:alert(1)" }], achievementType: "Diplome", creditsAvailable: "deux" },
      });
      expect(res.status).toBe(422);
      const fields = ((await res.json()) as Json).errors.map((e: Json) => e.field).sort();
      expect(fields).toEqual(["achievementType", "alignment.0.targetUrl", "creditsAvailable", "criteria.narrative", "description", "name", "tag.1"]);
      expect(await countTemplates(amu.id)).toBe(before);
    });

    it("messages follow Accept-Language (English by default)", async () => {
      const fr = await call("POST", "/api/v1/issuers/amu/achievements", { token: tokenA, body: { ...validBody, name: "" }, headers: { "Accept-Language": "fr-FR,fr;q=0.9" } });
      expect(((await fr.json()) as any).errors).toEqual([{ field: "name", message: "Ce champ est obligatoire." }]);
      const en = await call("POST", "/api/v1/issuers/amu/achievements", { token: tokenA, body: { ...validBody, name: "" } });
      expect(((await en.json()) as any).errors).toEqual([{ field: "name", message: "This field is required." }]);
    });

    it("invalid JSON: 400 on _body; a form body: 415; an oversized body: 413", async () => {
      const res = await call("POST", "/api/v1/issuers/amu/achievements", { token: tokenA, raw: "{ name: " });
      expect(res.status).toBe(400);
      expect((await res.json()) as any).toEqual({ errors: [{ field: "_body", message: "The request body is not valid JSON." }] });
      const notObject = await call("POST", "/api/v1/issuers/amu/achievements", { token: tokenA, body: [validBody] });
      expect(notObject.status).toBe(422);
      const form = await call("POST", "/api/v1/issuers/amu/achievements", { token: tokenA, raw: "name=x", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
      expect(form.status).toBe(415);
      const big = await call("POST", "/api/v1/issuers/amu/achievements", { token: tokenA, body: { ...validBody, description: "x".repeat(300_000) } });
      expect(big.status).toBe(413);
      expect(((await big.json()) as any).errors[0].field).toBe("_body");
    });

    it("POST published: 201, Location, the id; it appears in the catalogue; audited as the token", async () => {
      const res = await call("POST", "/api/v1/issuers/amu/achievements", { token: tokenA, body: { ...validBody, published: true } });
      expect(res.status).toBe(201);
      const body = await res.json() as Json;
      expect(res.headers.get("Location")).toBe(`${node.url}/api/v1/achievements/${body.id}`);
      expect(body).toMatchObject({ status: "published", version: 1 });
      expect(body.achievement).toMatchObject({
        name: validBody.name, achievementType: "Competency", tag: ["agile", "projet"], creditsAvailable: 2, humanCode: "GP-01",
        criteria: { id: "https://example.org/criteres", narrative: "Mener un projet de **six semaines**." },
        alignment: [{ type: ["Alignment"], targetName: "Piloter un projet", targetUrl: "https://example.org/c/1", targetType: "ceasn:Competency" }],
      });
      const catalogue = await node.client().text("/catalogue?q=agile");
      expect(catalogue.body).toContain(`<a href="/achievements/${body.id}">Gestion de projet agile</a>`);
      const events = await node.services.audit.listForObject("achievement", body.id);
      const prefix = (await node.services.tokens.list(amu.id)).find((t) => tokenA.startsWith(`fbt_${t.prefix}`))!.prefix;
      expect(events.map((e) => [e.action, e.actor_label]).sort()).toEqual([["achievement.create", `api-token:${prefix}`], ["achievement.publish", `api-token:${prefix}`]]);
    });

    it("POST without `published`: a draft, not in the catalogue", async () => {
      const res = await call("POST", "/api/v1/issuers/amu/achievements", { token: tokenA, body: { ...validBody, name: "Brouillon par API" } });
      const body = await res.json() as Json;
      expect(body.status).toBe("draft");
      expect((await node.client().text("/catalogue?q=brouillon")).body).not.toContain(body.id);
    });

    it("PUT on a published template: version 2; version 1 stays loadable; GET output can be sent back", async () => {
      const created = await (await call("POST", "/api/v1/issuers/amu/achievements", { token: tokenA, body: { ...validBody, name: "Version un", published: true } })).json() as Json;
      const doc = created.achievement;
      const res = await call("PUT", `/api/v1/achievements/${created.id}`, { token: tokenA, body: { ...doc, name: "Version deux" } });
      expect(res.status).toBe(200);
      const body = await res.json() as Json;
      expect(body).toMatchObject({ id: created.id, status: "published", version: 2, achievement: { name: "Version deux", version: "2", tag: ["agile", "projet"] } });
      expect((await node.services.achievements.load(created.id, 1))!.content.name).toBe("Version un");
      const current = (await node.services.achievements.load(created.id))!;
      expect(current.version).toBe(2);
      expect(current.content.creator).toBeUndefined(); // the issuer profile we output is not stored back as a creator
    });

    it("PUT a draft with `published: true` publishes it; PUT with bad content: 422, unchanged", async () => {
      const created = await (await call("POST", "/api/v1/issuers/amu/achievements", { token: tokenA, body: { ...validBody, name: "À publier" } })).json() as Json;
      const bad = await call("PUT", `/api/v1/achievements/${created.id}`, { token: tokenA, body: { ...validBody, criteria: { id: "pas une url" } } });
      expect(bad.status).toBe(422);
      expect(((await bad.json()) as any).errors).toEqual([{ field: "criteria.id", message: "This web address is not valid (https://…)." }]);
      const res = await call("PUT", `/api/v1/achievements/${created.id}`, { token: tokenA, body: { ...validBody, name: "Publié par PUT", published: true } });
      expect((await res.json()) as any).toMatchObject({ status: "published", version: 1, achievement: { name: "Publié par PUT" } });
      expect((await call("GET", `/api/v1/achievements/${created.id}`)).status).toBe(200);
    });

    it("PUT on an archived template: 409", async () => {
      await node.services.achievements.archive(systemActor, publishedId);
      const res = await call("PUT", `/api/v1/achievements/${publishedId}`, { token: tokenA, body: validBody });
      expect(res.status).toBe(409);
      expect(((await res.json()) as any).errors[0].field).toBe("_status");
      expect((await call("PUT", "/api/v1/achievements/unknown", { token: tokenA, body: validBody })).status).toBe(404);
    });
  });
});
