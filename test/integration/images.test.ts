import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemActor } from "../../src/audit/audit.service.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import type { HttpClient } from "../helpers/http-client.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** A real PNG drawn with pngjs (a red/blue gradient), so the node must really decode it. */
function makePng(width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      png.data[i] = (x * 255) / width; png.data[i + 1] = 40; png.data[i + 2] = (y * 255) / height; png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

const SVG_NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"';
const CLEAN_SVG = `<?xml version="1.0"?><svg ${SVG_NS} xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" width="200" height="100" viewBox="0 0 200 100">` +
  '<rect inkscape:label="background" width="200" height="100" fill="#1d3f91"/><circle cx="100" cy="50" r="40" fill="#ffbf47"/></svg>';

/** Posts a multipart upload as the picker (or an API-like client) would. */
async function upload(client: HttpClient, slug: string, file: { bytes: Uint8Array; name: string; type: string }, headers: Record<string, string> = {}) {
  if (!client.csrf) await client.get("/");
  const form = new FormData();
  form.set("_csrf", client.csrf);
  form.set("image", new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.name);
  return client.request(`/issuers/${slug}/images`, { method: "POST", body: form, headers });
}
const asJson = { Accept: "application/json" };

describe("badge images: upload, sanitising, designer", () => {
  let node: TestNode;
  let alpha: IssuerRow;
  let creator: HttpClient; // creator in alpha
  let awarder: HttpClient; // awarder (not creator) in alpha
  let betaCreator: HttpClient; // creator in beta only

  beforeAll(async () => {
    node = await startTestNode();
    const mk = async (slug: string) => {
      const r = await node.services.issuers.create(systemActor, { slug, name: slug, description: "", website: null, email: null, logoUrl: null, parent: null });
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      return r.value;
    };
    alpha = await mk("alpha");
    const beta = await mk("beta");
    const member = async (issuer: IssuerRow, email: string, role: "creator" | "awarder") => {
      const client = await node.signIn(email);
      await node.services.members.add(systemActor, issuer, { email, role });
      return client;
    };
    creator = await member(alpha, "creator@alpha.example", "creator");
    awarder = await member(alpha, "awarder@alpha.example", "awarder");
    betaCreator = await member(beta, "creator@beta.example", "creator");
  });
  afterAll(async () => { await node?.close(); });

  const db = () => node.database.db;
  const countImages = async () => Number((await db().selectFrom("images").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
  const row = (id: string) => db().selectFrom("images").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

  it("stores an uploaded PNG and serves a rendition that decodes, cached immutably", async () => {
    const bytes = makePng(64, 48);
    const res = await upload(creator, "alpha", { bytes, name: "badge.png", type: "image/png" }, asJson);
    expect(res.status).toBe(201);
    const body = await res.json() as { id: string; url: string };
    expect(body.url).toBe(`/images/${body.id}.png`);
    const stored = await row(body.id);
    expect({ issuer: stored.issuer_id, type: stored.media_type, width: stored.width, height: stored.height, design: stored.design })
      .toEqual({ issuer: alpha.id, type: "image/png", width: 64, height: 48, design: null });
    // Same bytes back through the service on SQLite (blob) and PostgreSQL (bytea).
    const found = await node.services.images.find(body.id);
    expect(Buffer.isBuffer(found!.original) && Buffer.isBuffer(found!.png)).toBe(true);
    expect(Buffer.compare(found!.original, bytes)).toBe(0);

    const file = await node.client().get(body.url);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("image/png");
    expect(file.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(file.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    const decoded = PNG.sync.read(Buffer.from(await file.arrayBuffer()));
    expect([decoded.width, decoded.height]).toEqual([64, 48]);
    expect(decoded.data[0]).toBe(0); // first pixel of the gradient: no red

    const again = await node.client().get(body.url, { "If-None-Match": file.headers.get("etag")! });
    expect(again.status).toBe(304);
    expect((await node.client().get(`/images/${body.id}.svg`)).status).toBe(404);
    const audit = await node.services.audit.listForObject("image", body.id);
    expect(audit.map((e) => e.action)).toEqual(["image.upload"]);
  });

  it("reuses the row when the same issuer uploads the same bytes again", async () => {
    const bytes = makePng(40, 40);
    const first = await (await upload(creator, "alpha", { bytes, name: "a.png", type: "image/png" }, asJson)).json() as { id: string };
    const count = await countImages();
    const second = await (await upload(creator, "alpha", { bytes, name: "b.png", type: "image/png" }, asJson)).json() as { id: string };
    expect(second.id).toBe(first.id);
    expect(await countImages()).toBe(count);
  });

  it("serves an uploaded SVG sanitised, with a CSP that runs nothing, and a PNG rendition 512 px wide", async () => {
    const res = await upload(creator, "alpha", { bytes: Buffer.from(CLEAN_SVG), name: "logo.svg", type: "image/svg+xml" }, asJson);
    expect(res.status).toBe(201);
    const { id } = await res.json() as { id: string };
    const svg = await node.client().get(`/images/${id}.svg`);
    expect(svg.status).toBe(200);
    expect(svg.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    expect(svg.headers.get("content-security-policy")).toBe("default-src 'none'; style-src 'unsafe-inline'");
    expect(svg.headers.get("x-content-type-options")).toBe("nosniff");
    const text = await svg.text();
    expect(text).toContain('<rect width="200" height="100" fill="#1d3f91"/>');
    expect(text).not.toContain("inkscape");
    const png = PNG.sync.read(Buffer.from(await (await node.client().get(`/images/${id}.png`)).arrayBuffer()));
    expect([png.width, png.height]).toEqual([512, 256]);
    const stored = await row(id);
    expect([stored.media_type, stored.width, stored.height]).toEqual(["image/svg+xml", 512, 256]);
  });

  it("refuses a fake .png (text bytes) with a clear message and stores nothing", async () => {
    const before = await countImages();
    const res = await upload(creator, "alpha", { bytes: Buffer.from("this is not a picture\n"), name: "fake.png", type: "image/png" });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('<p class="error" id="f-image-error">Ce fichier se présente comme un PNG mais son contenu n’est pas une image PNG.</p>');
    expect(await countImages()).toBe(before);
  });

  it("refuses a truncated PNG (really decoded, not just sniffed)", async () => {
    const res = await upload(creator, "alpha", { bytes: makePng(64, 64).subarray(0, 120), name: "cut.png", type: "image/png" }, asJson);
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ errors: [{ field: "image", message: "Cette image PNG est endommagée ou incomplète : elle ne peut pas être lue." }] });
  });

  it("refuses a PNG outside 32..4096 pixels", async () => {
    const res = await upload(creator, "alpha", { bytes: makePng(16, 16), name: "tiny.png", type: "image/png" }, { ...asJson, "Accept-Language": "en" });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { errors: { message: string }[] }).errors[0]!.message).toBe("The image must be between 32 and 4096 pixels wide and high.");
  });

  it("refuses a 3 MB file, saying the 2 MB limit", async () => {
    const before = await countImages();
    const big = Buffer.concat([makePng(64, 64), Buffer.alloc(3 * 1024 * 1024, 7)]);
    const res = await upload(creator, "alpha", { bytes: big, name: "big.png", type: "image/png" }, asJson);
    expect(res.status).toBe(422);
    expect(((await res.json()) as { errors: { message: string }[] }).errors[0]!.message).toContain("2 Mo");
    expect(await countImages()).toBe(before);
  });

  it("refuses an SVG with <script> or with xlink:href=\"http…\", naming the problem", async () => {
    const before = await countImages();
    const scripted = `<svg ${SVG_NS} width="64" height="64"><script>alert(document.cookie)</script><rect width="64" height="64"/></svg>`;
    const res = await upload(creator, "alpha", { bytes: Buffer.from(scripted), name: "evil.svg", type: "image/svg+xml" });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain(esc("Ce fichier SVG contient un script (<script>) : retirez-le puis recommencez."));
    const linked = `<svg ${SVG_NS} width="64" height="64"><image xlink:href="http://tracker.example/pixel.png" width="64" height="64"/></svg>`;
    const res2 = await upload(creator, "alpha", { bytes: Buffer.from(linked), name: "linked.svg", type: "image/svg+xml" }, asJson);
    expect(((await res2.json()) as { errors: { message: string }[] }).errors[0]!.message).toMatch(/^Ce fichier SVG fait référence à une ressource extérieure/);
    expect(await countImages()).toBe(before);
  });

  it("the htmx upload answers the picker with the new image in a hidden field", async () => {
    const res = await upload(creator, "alpha", { bytes: makePng(50, 50), name: "p.png", type: "image/png" },
      { "HX-Request": "true", "HX-Current-URL": `${node.url}/issuers/alpha/achievements/new?x=1` });
    expect(res.status).toBe(200);
    const html = await res.text();
    const id = /name="imageId" value="([0-9a-f-]{36})"/.exec(html)?.[1];
    expect(id).toBeDefined();
    expect(html).toContain(`<img src="/images/${id}.png"`);
    expect(html).toContain(`href="/issuers/alpha/images/designer?next=${encodeURIComponent("/issuers/alpha/achievements/new?x=1")}"`);
  });

  it("the designer preview (htmx) returns an <svg> with the text escaped", async () => {
    const res = await creator.submit("/issuers/alpha/images/designer/preview",
      { shape: "hexagon", background: "#0F6B3A", foreground: "#ffffff", icon: "gear", text: "<b>Niveau</b>", level: "2", levels: "5" },
      { "HX-Request": "true" });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html.trimStart()).toMatch(/^<figure id="designer-preview"/);
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256"');
    expect(html).toContain('fill="#0f6b3a"');
    expect(html).toContain("&lt;b&gt;Niveau&lt;/b&gt;</text>");
    expect(html).not.toContain("<b>");
  });

  it("the designer refuses bad settings field by field", async () => {
    const res = await creator.submit("/issuers/alpha/images/designer", { shape: "star", background: "red", text: "x".repeat(30), action: "save" });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('<p class="error" id="f-background-error">Indiquez une couleur au format #rrvvbb (par exemple #1d3f91).</p>');
    expect(html).toContain('<p class="error" id="f-text-error">Le texte de l’image est limité à 24 caractères.</p>');
    expect(html).toContain('<p class="error" id="f-shape-error">');
  });

  it("saving a design stores its settings and a 512 px PNG, then returns to ?next= with image=<id>", async () => {
    const settings = { shape: "shield", background: "#1d3f91", foreground: "#ffbf47", icon: "cap", text: "Expert", level: "5", levels: "5" };
    const before = await countImages();
    const res = await creator.submit("/issuers/alpha/images/designer", { ...settings, action: "save", next: "/issuers/alpha/achievements/new?lang=fr" });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get("location")!, node.url);
    expect(location.pathname + "?lang=fr").toBe("/issuers/alpha/achievements/new?lang=fr");
    const id = location.searchParams.get("image")!;
    expect(await countImages()).toBe(before + 1);
    const stored = await row(id);
    expect(JSON.parse(stored.design!)).toEqual({ ...settings, level: 5, levels: 5 });
    expect([stored.media_type, stored.width, stored.height]).toEqual(["image/svg+xml", 512, 512]);
    const png = PNG.sync.read(Buffer.from(await (await node.client().get(`/images/${id}.png`)).arrayBuffer()));
    expect([png.width, png.height]).toEqual([512, 512]);
    expect(await node.services.images.belongsTo(id, alpha.id)).toBe(true);
    const audit = await node.services.audit.listForObject("image", id);
    expect(audit.map((e) => e.action)).toEqual(["image.design"]);
  });

  it("without next, saving reopens the designer on the saved image; an off-site next is ignored", async () => {
    const res = await creator.submit("/issuers/alpha/images/designer", { shape: "rounded", icon: "book", text: "Lire", action: "save", next: "//evil.example/x" });
    expect(res.status).toBe(303);
    const location = res.headers.get("location")!;
    expect(location).toMatch(/^\/issuers\/alpha\/images\/designer\?from=[0-9a-f-]{36}$/);
    const page = await creator.text(location);
    expect(page.body).toContain('<option value="rounded" selected>');
    expect(page.body).toContain('value="Lire"');
    expect(page.body).toContain("Image enregistrée.");
  });

  it("the no-JS preview button shows the drawing and stores nothing", async () => {
    const before = await countImages();
    const res = await creator.submit("/issuers/alpha/images/designer", { shape: "circle", icon: "star", text: "Aperçu", action: "preview" });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Aperçu</text></svg>");
    expect(await countImages()).toBe(before);
  });

  it("only creators of the issuer may upload or design (403), and another issuer's member cannot upload here", async () => {
    expect((await awarder.get("/issuers/alpha/images/designer")).status).toBe(403);
    expect((await upload(awarder, "alpha", { bytes: makePng(40, 41), name: "a.png", type: "image/png" })).status).toBe(403);
    const before = await countImages();
    expect((await upload(betaCreator, "alpha", { bytes: makePng(40, 42), name: "b.png", type: "image/png" })).status).toBe(403);
    expect((await betaCreator.submit("/issuers/alpha/images/designer", { action: "save" })).status).toBe(403);
    expect(await countImages()).toBe(before);
    expect((await node.client().get("/issuers/alpha/images/designer")).status).toBe(303); // to the sign-in page
  });

  it("an image belongs to its issuer only; unknown files are 404", async () => {
    const { id } = await (await upload(betaCreator, "beta", { bytes: makePng(33, 33), name: "b.png", type: "image/png" }, asJson)).json() as { id: string };
    expect(await node.services.images.belongsTo(id, alpha.id)).toBe(false);
    expect((await node.client().get("/images/00000000-0000-0000-0000-000000000000.png")).status).toBe(404);
    expect((await node.client().get("/images/../etc.png")).status).toBe(404);
  });
});
