import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemActor } from "../../src/audit/audit.service.ts";
import type { HttpClient } from "../helpers/http-client.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";

/** A real PNG drawn with pngjs, so the node must really decode it; `shade` makes each file distinct. */
function makePng(width: number, height: number, shade: number): Buffer {
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height * 4; i += 4) {
    png.data[i] = shade; png.data[i + 1] = (i / 4) % 255; png.data[i + 2] = 90; png.data[i + 3] = 255;
  }
  return PNG.sync.write(png);
}

const SVG_NS = 'xmlns="http://www.w3.org/2000/svg"';
const CLEAN_SVG = `<svg ${SVG_NS} width="120" height="60" viewBox="0 0 120 60"><rect width="120" height="60" fill="#1d3f91"/><circle cx="60" cy="30" r="20" fill="#ffbf47"/></svg>`;
const SCRIPT_SVG = `<svg ${SVG_NS} width="64" height="64"><script>alert(document.cookie)</script><rect width="64" height="64"/></svg>`;

interface LogoFile { bytes: Uint8Array; name: string; type: string }
const png = (shade: number): LogoFile => ({ bytes: makePng(64, 64, shade), name: "logo.png", type: "image/png" });
const svg = (text: string): LogoFile => ({ bytes: new TextEncoder().encode(text), name: "logo.svg", type: "image/svg+xml" });

/** Posts an issuer form as a browser without JavaScript does: multipart, the file in field `logo`. */
async function postForm(client: HttpClient, path: string, fields: Record<string, string>, logo?: LogoFile): Promise<Response> {
  if (!client.csrf) await client.get("/");
  const form = new FormData();
  form.set("_csrf", client.csrf);
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  // Like a browser, an empty file part when nothing was chosen.
  form.set("logo", logo ? new Blob([new Uint8Array(logo.bytes)], { type: logo.type }) : new Blob([], { type: "application/octet-stream" }), logo?.name ?? "");
  return client.request(path, { method: "POST", body: form });
}

/** The error paragraph under a field (our field partials), or null. */
function fieldError(html: string, field: string): string | null {
  return new RegExp(`<p class="error" id="f-${field}-error">([^<]*)</p>`).exec(html)?.[1] ?? null;
}

const unescape = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&");

describe("issuer logo: upload at creation and in settings, refusals, removal", () => {
  let node: TestNode;
  let root: HttpClient; // node administrator
  let schoolAdmin: HttpClient; // admin of "ecole"
  let creator: HttpClient; // creator (not admin) of "ecole"

  beforeAll(async () => {
    node = await startTestNode();
    root = await node.signIn("root@logo.example", { nodeAdmin: true });
    const ecole = await node.services.issuers.create(systemActor, { slug: "ecole", name: "École", description: "", website: null, email: null, logoUrl: null, parent: null });
    if (!ecole.ok) throw new Error(JSON.stringify(ecole.error));
    schoolAdmin = await node.signIn("admin@ecole.example");
    await node.services.members.add(systemActor, ecole.value, { email: "admin@ecole.example", role: "admin" });
    creator = await node.signIn("creator@ecole.example");
    await node.services.members.add(systemActor, ecole.value, { email: "creator@ecole.example", role: "creator" });
  });
  afterAll(async () => { await node?.close(); });

  const db = () => node.database.db;
  const count = async (table: "issuers" | "images") => Number((await db().selectFrom(table).select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
  const issuer = async (slug: string) => (await node.services.issuers.findBySlug(slug))!;
  const imageIdOf = (logoUrl: string | null) => new RegExp(`^${node.url}/images/([0-9a-f-]{36})\\.png$`).exec(logoUrl ?? "")?.[1];
  const profile = async (slug: string) => {
    const res = await node.client().get(`/issuers/${slug}`, { Accept: "application/ld+json" });
    expect(res.status).toBe(200);
    return await res.json() as { type: string[]; image?: { id: string; type: string } };
  };

  it("a PNG chosen in the creation form becomes the issuer's logo: stored image, public page, OB 3.0 and OB 2.0 profiles", async () => {
    const file = png(10);
    const res = await postForm(root, "/issuers/new", { slug: "ecole-logo", name: "École au logo" }, file);
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/issuers/ecole-logo");

    const created = await issuer("ecole-logo");
    const imageId = imageIdOf(created.logo_url);
    expect(imageId, `logo_url ${created.logo_url}`).toBeDefined();
    const image = await node.services.images.find(imageId!);
    expect({ issuer: image?.issuer_id, type: image?.media_type, same: image && Buffer.compare(image.original, file.bytes) === 0 })
      .toEqual({ issuer: created.id, type: "image/png", same: true });

    // The stored file is served by the image route, and it is the logo on the public page.
    const served = await node.client().get(`/images/${imageId}.png`);
    expect(served.status).toBe(200);
    expect(served.headers.get("Content-Type")).toBe("image/png");
    expect(PNG.sync.read(Buffer.from(await served.arrayBuffer())).width).toBe(64);
    const page = await node.client().text("/issuers/ecole-logo");
    expect(page.body).toContain(`<img class="logo" src="${created.logo_url}"`);

    expect((await profile("ecole-logo")).image).toMatchObject({ id: created.logo_url, type: "Image" });
    const ob2 = await node.client().get("/ob2/issuers/ecole-logo", { Accept: "application/ld+json" });
    expect((await ob2.json() as { image?: string }).image).toBe(created.logo_url);
  });

  it("an admin uploads a new logo in the settings; a clean SVG is accepted and shown as its PNG rendition", async () => {
    const before = (await issuer("ecole")).logo_url;
    expect(before).toBeNull();
    const first = await postForm(schoolAdmin, "/issuers/ecole/settings", { name: "École", logoUrl: "" }, png(20));
    expect(first.status).toBe(303);
    const afterPng = await issuer("ecole");
    const pngId = imageIdOf(afterPng.logo_url);
    expect(pngId).toBeDefined();
    expect((await node.client().text("/issuers/ecole")).body).toContain(`<img class="logo" src="${afterPng.logo_url}"`);
    expect((await profile("ecole")).image?.id).toBe(afterPng.logo_url);

    // The settings form shows the current logo, the URL alternative and the remove choice.
    const settings = await schoolAdmin.text("/issuers/ecole/settings");
    expect(settings.body).toContain('enctype="multipart/form-data"');
    expect(settings.body).toContain(`src="${afterPng.logo_url}" alt="Logo actuel"`);
    expect(settings.body).toContain('name="removeLogo" value="1"');

    // The file wins over the (unchanged) URL field sent along with it.
    const second = await postForm(schoolAdmin, "/issuers/ecole/settings", { name: "École", logoUrl: afterPng.logo_url! }, svg(CLEAN_SVG));
    expect(second.status).toBe(303);
    const afterSvg = await issuer("ecole");
    const svgId = imageIdOf(afterSvg.logo_url);
    expect(svgId).toBeDefined();
    expect(svgId).not.toBe(pngId);
    expect((await node.services.images.find(svgId!))?.media_type).toBe("image/svg+xml");
    expect((await profile("ecole")).image?.id).toBe(afterSvg.logo_url);
  });

  it("the URL field stays the alternative to a file", async () => {
    const res = await postForm(root, "/issuers/new", { slug: "ecole-url", name: "École URL", logoUrl: "https://cdn.example.org/logo.png" });
    expect(res.status).toBe(303);
    expect((await issuer("ecole-url")).logo_url).toBe("https://cdn.example.org/logo.png");
    expect((await profile("ecole-url")).image?.id).toBe("https://cdn.example.org/logo.png");
  });

  describe("a refused logo: 422, the message next to the field, nothing stored", () => {
    const cases: Array<[string, LogoFile, string]> = [
      ["a text file named .png", { bytes: new TextEncoder().encode("not a png at all"), name: "logo.png", type: "image/png" }, "Ce fichier se présente comme un PNG mais son contenu n’est pas une image PNG."],
      ["an SVG with a <script>", svg(SCRIPT_SVG), "Ce fichier SVG contient un script (<script>) : retirez-le puis recommencez."],
      ["a file over 2 MB", { bytes: new Uint8Array(2 * 1024 * 1024 + 10).fill(7), name: "big.png", type: "image/png" }, "Le fichier dépasse 2 Mo, la taille maximale d’une image."],
    ];
    for (const [what, file, message] of cases) {
      it(`at creation: ${what}`, async () => {
        const [issuers, images] = [await count("issuers"), await count("images")];
        const res = await postForm(root, "/issuers/new", { slug: "refused-logo", name: "Refusé" }, file);
        expect(res.status).toBe(422);
        const body = await res.text();
        expect(unescape(fieldError(body, "logo") ?? "")).toBe(message);
        expect(body).toContain('aria-describedby="f-logo-help f-logo-error"');
        expect(body).toContain('value="refused-logo"'); // the rest of the form is kept
        expect([await count("issuers"), await count("images")]).toEqual([issuers, images]);
        expect(await node.services.issuers.findBySlug("refused-logo")).toBeUndefined();
      });
    }

    it("in the settings (an SVG with a <script>): the logo and the other fields are unchanged", async () => {
      const before = await issuer("ecole");
      const images = await count("images");
      const res = await postForm(schoolAdmin, "/issuers/ecole/settings", { name: "École renommée", logoUrl: before.logo_url ?? "" }, svg(SCRIPT_SVG));
      expect(res.status).toBe(422);
      expect(unescape(fieldError(await res.text(), "logo") ?? "")).toBe("Ce fichier SVG contient un script (<script>) : retirez-le puis recommencez.");
      expect(await issuer("ecole")).toEqual(before);
      expect(await count("images")).toBe(images);
    });

    it("the message is in English for an English reader", async () => {
      const reader = await node.signIn("root-en@logo.example", { nodeAdmin: true });
      reader.cookies.set("fb_lang", "en");
      const res = await postForm(reader, "/issuers/new", { slug: "refused-en", name: "Refused" }, svg(SCRIPT_SVG));
      expect(res.status).toBe(422);
      expect(unescape(fieldError(await res.text(), "logo") ?? "")).toBe("This SVG file contains a script (<script>): remove it and try again.");
    });

    it("a good logo in an otherwise refused form is not stored, and the page says to choose it again", async () => {
      const images = await count("images");
      const res = await postForm(root, "/issuers/new", { slug: "no-name", name: "   " }, png(30));
      expect(res.status).toBe(422);
      const body = await res.text();
      expect(fieldError(body, "name")).toBe("Ce champ est obligatoire.");
      expect(fieldError(body, "logo")).toBeNull();
      expect(unescape(body)).toContain("Le fichier choisi n’a pas été enregistré : choisissez-le à nouveau.");
      expect(await count("images")).toBe(images);
      expect(await node.services.issuers.findBySlug("no-name")).toBeUndefined();
    });

    it("a bad logo and another bad field are both reported", async () => {
      const res = await postForm(root, "/issuers/new", { slug: "two-errors", name: "" }, svg(SCRIPT_SVG));
      expect(res.status).toBe(422);
      const body = await res.text();
      expect(fieldError(body, "name")).toBe("Ce champ est obligatoire.");
      expect(fieldError(body, "logo")).not.toBeNull();
    });
  });

  it("remove logo clears it from the public page and the profiles (the image file stays served)", async () => {
    const before = await issuer("ecole");
    expect(before.logo_url).not.toBeNull();
    const res = await postForm(schoolAdmin, "/issuers/ecole/settings", { name: "École", logoUrl: before.logo_url!, removeLogo: "1" });
    expect(res.status).toBe(303);
    expect((await issuer("ecole")).logo_url).toBeNull();
    expect((await node.client().text("/issuers/ecole")).body).not.toContain('class="logo"');
    expect((await profile("ecole")).image).toBeUndefined();
    const ob2 = await node.client().get("/ob2/issuers/ecole", { Accept: "application/ld+json" });
    expect((await ob2.json() as { image?: string }).image).toBeUndefined();
    const settings = await schoolAdmin.text("/issuers/ecole/settings");
    expect(settings.body).not.toContain('name="removeLogo"');
  });

  it("a member without the admin role gets 403 and stores nothing", async () => {
    const images = await count("images");
    const before = await issuer("ecole");
    expect((await creator.get("/issuers/ecole/settings")).status).toBe(403);
    const res = await postForm(creator, "/issuers/ecole/settings", { name: "École piratée" }, png(40));
    expect(res.status).toBe(403);
    // Creating a space under "ecole" takes its admin role too.
    const sub = await postForm(creator, "/issuers/new", { slug: "ecole-sub", name: "Sous-espace", parent: "ecole" }, png(41));
    expect(sub.status).toBe(403);
    expect(await count("images")).toBe(images);
    expect(await issuer("ecole")).toEqual(before);
    expect(await node.services.issuers.findBySlug("ecole-sub")).toBeUndefined();
  });
});
