import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HttpClient } from "../helpers/http-client.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";

const FORM = { "Content-Type": "application/x-www-form-urlencoded" };

describe("web security defaults", () => {
  let node: TestNode;
  let admin: HttpClient;

  beforeAll(async () => {
    node = await startTestNode();
    admin = await node.signIn("root@univ.example", { nodeAdmin: true });
  });
  afterAll(async () => { await node?.close(); });

  const issuerExists = async (slug: string) => !!(await node.services.issuers.findBySlug(slug));

  describe("CSRF", () => {
    it("a POST without token is refused with 403 and changes nothing", async () => {
      const body = new URLSearchParams({ slug: "no-token", name: "Sans jeton" });
      const res = await admin.request("/issuers/new", { method: "POST", body, headers: FORM });
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("Formulaire expiré");
      expect(await issuerExists("no-token")).toBe(false);
    });

    it("a POST with a forged token is refused", async () => {
      const body = new URLSearchParams({ _csrf: "forged.value", slug: "forged-token", name: "Jeton forgé" });
      const res = await admin.request("/issuers/new", { method: "POST", body, headers: FORM });
      expect(res.status).toBe(403);
      expect(await issuerExists("forged-token")).toBe(false);
    });

    it("a token signed by this node but not the one in the cookie is refused", async () => {
      const other = node.client();
      await other.get("/");
      const body = new URLSearchParams({ _csrf: other.csrf, slug: "other-token", name: "Jeton d'un autre" });
      const res = await admin.request("/issuers/new", { method: "POST", body, headers: FORM });
      expect(res.status).toBe(403);
      expect(await issuerExists("other-token")).toBe(false);
    });

    it("a POST from another Origin is refused even with a valid token", async () => {
      const res = await admin.submit("/issuers/new", { slug: "cross-site", name: "Intersite" }, { Origin: "https://evil.example" });
      expect(res.status).toBe(403);
      expect(await issuerExists("cross-site")).toBe(false);
    });

    it("a POST from our own Origin with the token works", async () => {
      const res = await admin.submit("/issuers/new", { slug: "same-origin", name: "Même origine" }, { Origin: node.url });
      expect(res.status).toBe(303);
      expect(await issuerExists("same-origin")).toBe(true);
    });

    it("the token in the X-CSRF-Token header (as htmx sends it) works", async () => {
      const body = new URLSearchParams({ slug: "via-header", name: "Par en-tête" });
      const res = await admin.request("/issuers/new", { method: "POST", body, headers: { ...FORM, "X-CSRF-Token": admin.csrf } });
      expect(res.status).toBe(303);
      expect(await issuerExists("via-header")).toBe(true);
    });

    it("a JSON client gets a JSON 403", async () => {
      const res = await admin.request("/issuers/new", { method: "POST", body: "{}", headers: { "Content-Type": "application/json", Accept: "application/json" } });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: "csrf" });
    });

    it("the CSRF cookie is HttpOnly and SameSite=Lax, and pages embed the token", async () => {
      const res = await node.client().get("/login");
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith("fb_csrf="));
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      const token = decodeURIComponent(cookie!.split(";")[0]!.slice("fb_csrf=".length));
      expect(await res.text()).toContain(`name="_csrf" value="${token}"`);
    });
  });

  describe("headers", () => {
    it("every page carries a CSP allowing only our scripts, and anti-framing and nosniff headers", async () => {
      const res = await node.client().get("/");
      const csp = res.headers.get("Content-Security-Policy") ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).not.toContain("unsafe-eval");
      expect(res.headers.get("X-Frame-Options")).toBe("DENY");
      expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect(res.headers.get("Referrer-Policy")).toBe("strict-origin-when-cross-origin");
      expect(res.headers.get("Strict-Transport-Security")).toBeNull(); // plain http on loopback
    });

    it("error pages carry them too", async () => {
      const res = await node.client().get("/no-such-page");
      expect(res.headers.get("Content-Security-Policy")).toContain("script-src 'self'");
      expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    });

    it("htmx is served from our own origin", async () => {
      const res = await node.client().get("/static/htmx.min.js");
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Type")).toMatch(/javascript/);
      expect((await res.text()).length).toBeGreaterThan(10_000);
    });
  });

  describe("HTML escaping", () => {
    const evil = "<script>alert(1)</script>";
    const escaped = "&lt;script&gt;alert(1)&lt;/script&gt;";

    beforeAll(async () => {
      const res = await admin.submit("/issuers/new", {
        slug: "xss-test", name: evil, description: `"><img src=x onerror=alert(2)>`, website: "https://example.org/?q=\"><b>",
      });
      expect(res.status).toBe(303);
    });

    it("the issuer page shows the name as text", async () => {
      const page = await node.client().text("/issuers/xss-test");
      expect(page.status).toBe(200);
      expect(page.body).not.toContain(evil);
      expect(page.body).toContain(`<h1>${escaped}</h1>`);
      expect(page.body).toContain(`<title>${escaped} — FranceBadge</title>`);
      expect(page.body).not.toContain("<img src=x");
      expect(page.body).toContain("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;");
      expect(page.body).not.toContain('"><b>');
    });

    it("the issuer list shows it as text", async () => {
      const page = await node.client().text("/issuers");
      expect(page.body).not.toContain(evil);
      expect(page.body).toContain(`<a href="/issuers/xss-test">${escaped}</a>`);
    });

    it("a value sent back in a form with errors is escaped", async () => {
      const res = await admin.submit("/issuers/new", { slug: "\"><script>alert(3)</script>", name: "" });
      expect(res.status).toBe(422);
      const body = await res.text();
      expect(body).not.toContain("<script>alert(3)");
      expect(body).toContain('value="&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;"');
    });
  });

  describe("health and errors", () => {
    it("/healthz answers 200 {status: ok} without a session", async () => {
      const res = await fetch(`${node.url}/healthz`);
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Type")).toMatch(/application\/json/);
      expect(await res.json()).toEqual({ status: "ok" });
    });

    it("an unknown page is a French 404 page by default", async () => {
      const res = await node.client().get("/nowhere");
      expect(res.status).toBe(404);
      expect(res.headers.get("Content-Type")).toMatch(/text\/html/);
      const body = await res.text();
      expect(body).toContain('<html lang="fr">');
      expect(body).toContain("<h1>Page introuvable</h1>");
    });

    it("an unknown page is an English 404 page with Accept-Language: en", async () => {
      const res = await node.client().get("/nowhere", { "Accept-Language": "en-US,en;q=0.8" });
      expect(res.status).toBe(404);
      const body = await res.text();
      expect(body).toContain('<html lang="en">');
      expect(body).toContain("<h1>Page not found</h1>");
    });

    it("an unknown issuer is a 404 too", async () => {
      const res = await node.client().get("/issuers/no-such-issuer");
      expect(res.status).toBe(404);
      expect(await res.text()).toContain("Page introuvable");
    });

    it("a JSON client gets a JSON 404", async () => {
      const res = await node.client().get("/nowhere", { Accept: "application/json" });
      expect(res.status).toBe(404);
      expect(res.headers.get("Content-Type")).toMatch(/application\/json/);
      expect(await res.json()).toEqual({ error: "404", message: "Cette adresse ne correspond à aucune page de ce nœud." });
    });

    it("a JSON 404 follows Accept-Language too", async () => {
      const res = await node.client().get("/nowhere", { Accept: "application/json", "Accept-Language": "en" });
      expect(await res.json()).toEqual({ error: "404", message: "This address matches no page on this node." });
    });
  });
});
