import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../../src/audit/audit.service.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import type { Clock } from "../../src/shared/clock.ts";
import type { HttpClient } from "../helpers/http-client.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";

// The audit trail page (/admin/audit, /issuers/{slug}/audit) over real events: sign-ins (one
// failed, with an address a spreadsheet would read as a formula), issuers created over HTTP (one
// named with a comma, quotes, HTML and a leading "="), a member added, and one event with HTML in
// its details.

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
const NASTY = '=HYPERLINK("https://evil.example","Centrale, <b>Marseille</b>")';
const FORMULA_EMAIL = "+1+cmd@evil.example";
const HTML_DETAIL = "<img src=x onerror=alert(1)>";

/** The events a results table shows, in order: id and action. */
function rows(html: string): Array<{ id: string; action: string }> {
  return [...html.matchAll(/<tr id="event-([0-9a-f-]{36})">[\s\S]*?<td><code>([^<]*)<\/code><\/td>/g)].map((m) => ({ id: m[1]!, action: m[2]! }));
}
const actions = (html: string) => rows(html).map((r) => r.action);
const link = (html: string, rel: string) => new RegExp(`<a rel="${rel}" href="([^"]*)"`).exec(html)?.[1]?.replace(/&amp;/g, "&");

describe("audit trail page", () => {
  let node: TestNode;
  let root: HttpClient;
  let dsi: HttpClient;
  let centrale: IssuerRow;
  let ecole: IssuerRow;
  let now = Date.parse("2026-03-10T09:00:00.000Z");
  const clock: Clock = { now: () => new Date(now) };
  const tick = () => { now += 1_000; };

  beforeAll(async () => {
    node = await startTestNode({}, { clock });
    root = await node.signIn("root@audit.example", { nodeAdmin: true }); tick();
    for (const [slug, name, parent] of [["centrale", NASTY, ""], ["ecole", "École d'ingénieurs", "centrale"], ["other", "Autre université", ""]] as const) {
      expect((await root.submit("/issuers/new", { slug, name, ...(parent ? { parent } : {}) })).status).toBe(303); tick();
    }
    centrale = (await node.services.issuers.findBySlug("centrale"))!;
    ecole = (await node.services.issuers.findBySlug("ecole"))!;
    now = Date.parse("2026-03-11T10:00:00.000Z"); // the next day (Paris time too)
    expect((await node.client().submit("/login", { email: FORMULA_EMAIL, password: "wrong password" })).status).toBe(401); tick();
    dsi = await node.signIn("dsi@centrale.example"); tick();
    await node.services.members.add(cliActor, centrale, { email: "dsi@centrale.example", role: "admin" }); tick();
    await node.services.audit.record(cliActor, { action: "note.test", objectType: "note", objectId: "obj-1", issuerId: ecole.id, details: { note: HTML_DETAIL } }); tick();
  });
  afterAll(async () => { await node?.close(); });

  const all = () => node.database.db.selectFrom("audit_events").selectAll().orderBy("at", "desc").orderBy("id", "desc").execute();
  const page = async (query: string, client = root) => {
    const res = await client.text(`/admin/audit${query}`);
    expect(res.status).toBe(200);
    return res.body;
  };
  type Event = Awaited<ReturnType<typeof all>>[number];
  /** The ids of the events a filter should keep, in the database's newest-first order. */
  const expected = async (keep: (e: Event) => boolean) => (await all()).filter(keep).map((e) => e.id);
  const ids = (html: string) => rows(html).map((r) => r.id);
  const inCentrale = (e: Event) => e.issuer_id === centrale.id || e.issuer_id === ecole.id;
  const day = (d: string) => (e: Event) => e.at.startsWith(d);

  it("only node administrators see it: 403 for others, sign-in for visitors", async () => {
    for (const path of ["/admin/audit", "/admin/audit.csv"]) {
      expect((await dsi.get(path)).status).toBe(403);
      const anon = await node.client().get(path);
      expect(anon.status).toBe(303);
      expect(anon.headers.get("Location")).toMatch(/^\/login\?next=/);
    }
  });

  it("lists every event newest first (time, then id), escaped; /admin links to it", async () => {
    const html = await page("");
    expect(rows(html).map((r) => r.id)).toEqual((await all()).map((e) => e.id));
    expect(actions(html)[0]).toBe("note.test");
    expect(html).toContain(esc(HTML_DETAIL));
    expect(html).not.toContain(HTML_DETAIL);
    expect(html).toContain(esc(NASTY));
    expect(html).not.toContain("<b>Marseille</b>");
    expect((await root.text("/admin")).body).toContain('<a href="/admin/audit">');
  });

  it("filters on an action, or on a family of actions (prefix)", async () => {
    const html = await page("?action=auth.login");
    expect(ids(html)).toEqual(await expected((e) => e.action === "auth.login"));
    expect(ids(html)).toHaveLength(2);
    expect(html).toContain('<option value="auth.*">auth.*</option>');
    expect(html).toContain('<option value="auth.login" selected>auth.login</option>');
    expect(actions(await page("?action=auth.*"))).toEqual(["auth.login", "auth.login.failed", "auth.login"]);
    expect(ids(await page("?action=issuer.create"))).toEqual(await expected((e) => e.action === "issuer.create"));
    expect(actions(await page("?action=issuer.create"))).toEqual(["issuer.create", "issuer.create", "issuer.create"]);
  });

  it("filters on the actor (part of the e-mail or label, any case)", async () => {
    expect(actions(await page("?actor=EVIL.example"))).toEqual(["auth.login.failed"]);
    const root6 = await page("?actor=root%40audit");
    expect(ids(root6)).toEqual(await expected((e) => e.actor_label === "root@audit.example"));
    expect(ids(root6)).toHaveLength(6);
    expect(actions(await page("?actor=%25"))).toEqual([]); // a % is text, not a wildcard
  });

  it("filters on an issuer space (with its sub-spaces) and on an object id", async () => {
    const inside = await page("?issuer=centrale");
    expect(ids(inside)).toEqual(await expected(inCentrale));
    expect(ids(inside)).toHaveLength(5);
    expect(actions(await page("?issuer=ecole"))).toEqual(["note.test", "issuer.create"]);
    expect(actions(await page(`?object=${centrale.id}`))).toEqual(["issuer.create"]);
    expect(actions(await page("?issuer=centrale&action=note.test&actor=cli&object=obj-1"))).toEqual(["note.test"]);
    expect(actions(await page("?issuer=centrale&action=note.test&actor=root"))).toEqual([]);
  });

  it("filters on a date range (days, Paris time); an unreadable date is said and not applied", async () => {
    expect(actions(await page("?from=2026-03-11"))).toEqual(["note.test", "member.add", "auth.login", "auth.login.failed"]);
    const first = await page("?to=2026-03-10");
    expect(ids(first)).toEqual(await expected(day("2026-03-10")));
    expect(ids(first)).toHaveLength(6);
    expect(actions(await page("?from=2026-03-10&to=2026-03-10&action=auth.*"))).toEqual(["auth.login"]);
    const bad = await page("?from=2026-02-30");
    expect(bad).toContain(esc("Date illisible : écrivez-la au format AAAA-MM-JJ (par exemple 2026-11-30). Ce filtre n'est pas appliqué."));
    expect(ids(bad)).toEqual(await expected(() => true));
    const reversed = await page("?from=2026-03-12&to=2026-03-11");
    expect(rows(reversed)).toEqual([]);
    expect(reversed).toContain(esc("La date de fin précède la date de début : aucun événement ne peut correspondre."));
  });

  it("pages with stable keyset cursors, forwards and back", async () => {
    const expected = (await all()).map((e) => e.id);
    const seen: string[] = [];
    const pages: string[] = [];
    let href: string | undefined = "/admin/audit?perPage=3";
    while (href) {
      const res = await root.text(href);
      pages.push(href);
      seen.push(...rows(res.body).map((r) => r.id));
      href = link(res.body, "next");
    }
    expect(seen).toEqual(expected);
    expect(pages.length).toBe(Math.ceil(expected.length / 3));
    const last = await root.text(pages.at(-1)!);
    const back = await root.text(link(last.body, "prev")!);
    expect(rows(back.body).map((r) => r.id)).toEqual(expected.slice((pages.length - 2) * 3, (pages.length - 1) * 3));
    const top = await root.text(link((await root.text(pages[1]!)).body, "prev")!);
    expect(rows(top.body).map((r) => r.id)).toEqual(expected.slice(0, 3));
    expect(link(top.body, "prev")).toBeUndefined();
  });

  it("answers htmx with the results only, at the same URL", async () => {
    const res = await root.get("/admin/audit?action=auth.*", { "HX-Request": "true" });
    const body = await res.text();
    expect(res.headers.get("Vary")).toContain("HX-Request");
    expect(body).not.toContain("<html");
    expect(body).not.toContain("<form");
    expect(actions(body)).toEqual(["auth.login", "auth.login.failed", "auth.login"]);
    const full = await page("?action=auth.*");
    expect(full).toContain('hx-get="/admin/audit" hx-trigger=');
    expect(full).toContain('hx-push-url="true"');
    expect(full).toContain('href="/admin/audit.csv?action=auth.*"');
  });

  it("exports the filtered events as CSV: quoted by the library, formulas neutralised", async () => {
    const res = await root.get("/admin/audit.csv?action=auth.*");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("Content-Disposition")).toMatch(/^attachment; filename="audit-\d{4}-\d{2}-\d{2}\.csv"$/);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // BOM: Excel reads UTF-8
    const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
    expect(text.startsWith("\uFEFFat,actor,actor_id,action,object_type,object_id,issuer,issuer_name,ip,details\r\n")).toBe(true);
    const records = parse(text, { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(records.map((r) => r.action)).toEqual(["auth.login", "auth.login.failed", "auth.login"]);
    expect(records[1]!.actor).toBe("'" + FORMULA_EMAIL);
    expect(records[0]!.actor).toBe("dsi@centrale.example");
    expect(JSON.parse(records[1]!.details!)).toEqual({ reason: "invalid", method: "password" });

    const created = parse(await (await root.get("/admin/audit.csv?action=issuer.create&issuer=centrale")).text(), { bom: true, columns: true }) as Array<Record<string, string>>;
    const own = created.find((r) => r.object_id === centrale.id)!;
    expect(own.issuer).toBe("centrale");
    expect(own.issuer_name).toBe("'" + NASTY);
    expect(created.map((r) => r.issuer).sort()).toEqual(["centrale", "ecole"]);
    const raw = await (await root.get(`/admin/audit.csv?object=${centrale.id}`)).text();
    expect(raw).toContain(`,"'=HYPERLINK(""https://evil.example"",""Centrale, <b>Marseille</b>"")",`);
    expect(raw.split("\r\n").filter(Boolean)).toHaveLength(2);
  });

  it("an issuer admin reads the trail of their space and its sub-spaces, nothing else", async () => {
    expect((await dsi.text("/issuers/centrale")).body).toContain('href="/issuers/centrale/audit"'); // linked from the space's page
    const res = await dsi.text("/issuers/centrale/audit");
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual(await expected(inCentrale));
    expect(res.body).toContain(esc(HTML_DETAIL));
    expect(actions((await dsi.text("/issuers/centrale/audit?issuer=other")).body)).toEqual(actions(res.body)); // outside: ignored
    expect(actions((await dsi.text("/issuers/ecole/audit")).body)).toEqual(["note.test", "issuer.create"]);
    expect((await dsi.get("/issuers/other/audit")).status).toBe(403);
    expect((await dsi.get("/issuers/other/audit.csv")).status).toBe(403);
    const csv = parse(await (await dsi.get("/issuers/centrale/audit.csv")).text(), { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(csv.map((r) => r.object_id)).toEqual((await all()).filter(inCentrale).map((e) => e.object_id));
  });
});
