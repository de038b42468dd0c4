// Competency frameworks travel like templates: A imports the Centrale framework → B shows it with
// its matrix → A edits it → B follows → A archives it → B marks it; receiver checks on forged ones.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { signRequest } from "@fedify/fedify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { systemActor } from "../../src/audit/audit.service.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import { fixture, frameworkActors } from "../helpers/frameworks.ts";
import type { HttpClient } from "../helpers/http-client.ts";
import type { TestNode } from "../helpers/node.ts";
import { createIssuer, startFederatedNode, waitFor } from "./federation-kit.ts";

// The Centrale framework ships with the project (src/demo/centrale): no need for ../shared.
const CENTRALE = join(import.meta.dirname, "..", "..", "src", "demo", "centrale");
const centrale = (name: string) => new Uint8Array(readFileSync(join(CENTRALE, name)));

let a: TestNode;
let b: TestNode;
let ecole: IssuerRow;
let autre: IssuerRow;
let creator: HttpClient;
let univB: IssuerRow;

const remoteOf = (apId: string) => b.database.db.selectFrom("remote_frameworks").selectAll().where("ap_id", "=", apId).executeTakeFirst();
const outcomeOf = async (activityId: string) =>
  (await b.database.db.selectFrom("federation_activities").select("outcome").where("id", "=", activityId).executeTakeFirst())?.outcome;

beforeAll(async () => {
  [a, b] = await Promise.all([startFederatedNode(), startFederatedNode()]);
  ({ issuer: ecole, other: autre, creator } = await frameworkActors(a));
  univB = await createIssuer(b, "univ-b", "Université B");
  const followed = await b.services.federation.partners.follow(systemActor, univB, `${a.url}/issuers/${ecole.slug}`);
  if (!followed.ok) throw new Error(followed.error);
  await waitFor(async () => (await b.services.federation.partners.following(univB.id))[0]?.state === "accepted", 20_000, "accept");
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
});

describe("a framework between two nodes", () => {
  it("is sent on import, update and archive; the partner shows its matrix, follows its changes and marks it archived", async () => {
    const imported = await a.services.frameworks.importCsv(systemActor, ecole, {
      name: "Référentiel Centrale", sourceUrl: "https://www.centrale-mediterranee.fr/",
      framework: centrale("framework.csv"), levels: centrale("levels.csv"), situations: centrale("evaluation-situations.csv"),
    });
    if (!imported.ok) throw new Error(JSON.stringify(imported.error.errors));
    const id = imported.value.id;
    const apId = `${a.url}/ap/frameworks/${id}`;
    // The delivery job committed with the import.
    const job = await a.database.db.selectFrom("jobs").selectAll().where("queue", "=", "federation.frameworks").executeTakeFirst();
    expect(JSON.parse(job!.payload)).toMatchObject({ frameworkId: id, issuerId: ecole.id, kind: "create" });

    const copy = await waitFor(() => remoteOf(apId), 20_000, "Create received");
    expect(copy).toMatchObject({
      name: "Référentiel Centrale", actor_id: `${a.url}/issuers/${ecole.slug}`, status: "published", competencies: 5,
      package_url: `${a.url}/frameworks/${id}/export.case.json`, source_url: "https://www.centrale-mediterranee.fr/",
    });
    const tree = JSON.parse(copy.tree_json) as { levels: { code: string }[]; competencies: { code: string; subs: { name: string; cells: { levelCode: string; situations: string[] }[] }[] }[] };
    expect(tree.levels.map((l) => l.code)).toEqual(["novice", "intermediaire", "competent", "avance", "expert"]);
    const local = (await a.services.frameworks.load(id))!;
    expect(tree.competencies.map((c) => c.code)).toEqual(local.competencies.map((c) => c.code));
    expect(tree.competencies.flatMap((c) => c.subs.flatMap((s) => s.cells)).length).toBe(local.competencies.flatMap((c) => c.subs.flatMap((s) => s.cells)).length);
    // Evaluation situations (not in CASE) came with the CSV attachments, cell by cell.
    const situations = (fw: { competencies: { code: string; subs: { name: string; cells: { levelCode: string; situations: string[] }[] }[] }[] }) =>
      fw.competencies.flatMap((c) => c.subs.flatMap((s) => s.cells.filter((x) => x.situations.length).map((x) => `${c.code}|${s.name}|${x.levelCode}|${x.situations.join(";")}`))).sort();
    expect(situations(local).length).toBeGreaterThan(0);
    expect(situations(tree as Parameters<typeof situations>[0])).toEqual(situations(local));

    const list = await (await fetch(`${b.url}/partners/frameworks`, { headers: { Accept: "text/html" } })).text();
    expect(list).toContain("Référentiel Centrale");
    expect(list).toContain("par École d&#39;ingénieurs");
    const page = await (await fetch(`${b.url}/partners/frameworks/${copy.id}`, { headers: { Accept: "text/html" } })).text();
    const descriptor = local.competencies[0]!.subs[0]!.cells[0]!.descriptor;
    expect(descriptor.length).toBeGreaterThan(10);
    expect(page).toContain(descriptor.replace(/&/g, "&amp;").replace(/'/g, "&#39;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;"));
    expect(page).toContain("École d&#39;ingénieurs");
    const situation = local.competencies.flatMap((c) => c.subs.flatMap((sub) => sub.cells.flatMap((x) => x.situations)))[0]!;
    expect(page).toContain(situation.replace(/&/g, "&amp;").replace(/'/g, "&#39;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;"));
    expect(page).not.toContain("/ladder"); // read-only: no ladder, no edit form
    expect(page).not.toContain("/details");

    // A creator edits the details through the matrix page's form.
    const edited = await creator.submit(`/frameworks/${id}/details`, { name: "Référentiel Centrale (v2)", description: "Cinq compétences", sourceUrl: "" });
    expect(edited.status).toBe(303);
    const updated = await waitFor(async () => ((await remoteOf(apId))?.name === "Référentiel Centrale (v2)" ? remoteOf(apId) : null), 20_000, "Update received");
    // Without an official source, the CASE document's own page (on A) is the source.
    expect(updated).toMatchObject({ description: "Cinq compétences", source_url: `${a.url}/frameworks/${id}`, status: "published" });
    expect(updated!.changed_at > copy.changed_at).toBe(true);

    const refused = await creator.submit(`/frameworks/${id}/details`, { name: "", description: "", sourceUrl: "" });
    expect(refused.status).toBe(422);

    const archived = await creator.submit(`/frameworks/${id}/archive`, {});
    expect(archived.status).toBe(303);
    const marked = await waitFor(async () => ((await remoteOf(apId))?.status === "archived" ? remoteOf(apId) : null), 20_000, "Delete received");
    expect(marked!.archived_at).not.toBeNull();
    expect(await (await fetch(`${b.url}/partners/frameworks`)).text()).not.toContain("Référentiel Centrale (v2)");
    expect(await (await fetch(`${b.url}/partners/frameworks?archived=1`)).text()).toContain("Référentiel Centrale (v2)");
    expect(await (await fetch(`${b.url}/partners/frameworks/${copy.id}`)).text()).toContain("Archivé par son établissement d&#39;origine");
    // Archived stays archived on both sides: no further edit, no resurrection.
    expect((await a.services.frameworks.updateDetails(systemActor, id, { name: "Encore", description: "", sourceUrl: "" }))).toEqual({ ok: false, error: "archived" });
  });
});

describe("a new partner", () => {
  it("reads the frameworks imported before it followed from the issuer's outbox", async () => {
    const imported = await a.services.frameworks.importCsv(systemActor, autre, {
      name: "Petit référentiel", sourceUrl: null,
      framework: fixture("small-framework.csv"), levels: fixture("small-levels.csv"), situations: fixture("small-situations.csv"),
    });
    if (!imported.ok) throw new Error(JSON.stringify(imported.error.errors));
    const apId = `${a.url}/ap/frameworks/${imported.value.id}`;
    const outbox = (await (await fetch(`${a.url}/issuers/${autre.slug}/outbox?cursor=0`, { headers: { Accept: "application/activity+json" } })).json()) as { orderedItems: { object: { id: string; mediaType: string } }[] };
    expect(outbox.orderedItems.map((i) => i.object)).toContainEqual(expect.objectContaining({ id: apId, mediaType: "application/json" }));
    expect(await remoteOf(apId)).toBeUndefined();

    const univB2 = await createIssuer(b, "univ-b2", "Université B2");
    const followed = await b.services.federation.partners.follow(systemActor, univB2, `${a.url}/issuers/${autre.slug}`);
    if (!followed.ok) throw new Error(followed.error);
    const copy = await waitFor(() => remoteOf(apId), 20_000, "framework read from the outbox");
    expect(copy).toMatchObject({ name: "Petit référentiel", actor_id: `${a.url}/issuers/${autre.slug}`, status: "published" });
  });
});

describe("the issuer's outbox", () => {
  type Page = { orderedItems?: unknown; next?: string | { id: string } };
  const apGet = async <T>(url: string) => (await (await fetch(url, { headers: { Accept: "application/activity+json" } })).json()) as T;
  const idOf = (link: string | { id: string } | undefined) => (typeof link === "string" ? link : link?.id);
  // Every page from `first` on, as the framework objects each carries.
  async function readOutbox(slug: string) {
    const root = await apGet<{ totalItems: number; first: string | { id: string } }>(`${a.url}/issuers/${slug}/outbox`);
    const pages: { id: string; name: string; content: string }[][] = [];
    for (let next = idOf(root.first); next; ) {
      const page = await apGet<Page>(next);
      pages.push(([page.orderedItems ?? []].flat() as { object: { id: string; name: string; content: string } }[]).map((i) => i.object));
      next = idOf(page.next);
      if (pages.length > 10) throw new Error("outbox pages loop");
    }
    return { totalItems: root.totalItems, pages };
  }

  it("pages the frameworks a few at a time, counts them, and builds each one's payload once", async () => {
    const paged = await createIssuer(a, "paged", "École paginée");
    const ids: string[] = [];
    for (let i = 1; i <= 7; i++) {
      const imported = await a.services.frameworks.importCsv(systemActor, paged, {
        name: `Référentiel ${i}`, sourceUrl: null,
        framework: fixture("small-framework.csv"), levels: fixture("small-levels.csv"), situations: fixture("small-situations.csv"),
      });
      if (!imported.ok) throw new Error(JSON.stringify(imported.error.errors));
      ids.push(imported.value.id);
    }
    expect((await a.services.frameworks.archive(systemActor, ids[6]!)).ok).toBe(true);
    // The delivery jobs (no follower here) build payloads too: let them finish before counting.
    await waitFor(async () => !(await a.database.db.selectFrom("jobs").select("id").where("queue", "=", "federation.frameworks")
      .where("status", "in", ["pending", "running"]).executeTakeFirst()), 20_000, "framework jobs");

    const builds = vi.spyOn(a.services.frameworks, "exportCase");
    try {
      const first = await readOutbox(paged.slug);
      expect(first.totalItems).toBe(6); // the archived one is not in the outbox
      expect(first.pages.map((p) => p.length)).toEqual([5, 1]);
      const apIds = first.pages.flat().map((o) => o.id);
      expect(apIds.sort()).toEqual(ids.slice(0, 6).map((id) => `${a.url}/ap/frameworks/${id}`).sort());
      // The Create jobs built them already: the outbox reuses those.
      const afterFirst = builds.mock.calls.length;
      expect(afterFirst).toBe(0);

      const second = await readOutbox(paged.slug);
      expect(second.pages.flat().map((o) => o.id).sort()).toEqual(apIds);
      expect(builds.mock.calls.length).toBe(afterFirst); // served from the cache: nothing rebuilt

      // A change makes its payload stale: the outbox shows the new one, built once.
      expect((await a.services.frameworks.updateDetails(systemActor, ids[0]!, { name: "Référentiel renommé", description: "", sourceUrl: "" })).ok).toBe(true);
      const third = await readOutbox(paged.slug);
      const renamed = third.pages.flat().find((o) => o.id === `${a.url}/ap/frameworks/${ids[0]}`)!;
      expect(renamed.name).toBe("Référentiel renommé");
      expect((JSON.parse(renamed.content) as { CFDocument: { title: string } }).CFDocument.title).toBe("Référentiel renommé");
      await readOutbox(paged.slug);
      expect(builds.mock.calls.length).toBe(afterFirst + 1); // the Update job and the outbox share one build
    } finally {
      builds.mockRestore();
    }
  });
});

describe("receiver checks", () => {
  /** Posts an activity as A's issuer, signed with its RSA key, to B's shared inbox. */
  async function postAsA(activity: Record<string, unknown>): Promise<Response> {
    const [rsa] = await a.services.federation.actorKeys.pairs(ecole.id);
    const body = JSON.stringify({ "@context": "https://www.w3.org/ns/activitystreams", ...activity });
    const req = new Request(`${b.url}/inbox`, { method: "POST", headers: { "Content-Type": "application/activity+json" }, body });
    return fetch(await signRequest(req, rsa!.privateKey, new URL(`${a.url}/issuers/${ecole.slug}#main-key`), { spec: "rfc9421" }));
  }

  // A CASE package as A would send it, with parts replaced.
  function forged(slug: string, over: { attributedTo?: string; packageUrl?: string; changed?: string } = {}) {
    const actor = `${a.url}/issuers/${ecole.slug}`;
    const id = `${a.url}/ap/frameworks/${slug}`;
    const doc = { identifier: slug, uri: `${a.url}/frameworks/${slug}`, title: `Forgé ${slug}` };
    const pkg = {
      CFDocument: { ...doc, creator: "x", lastChangeDateTime: over.changed ?? "2026-11-29T00:00:00.000Z", CFPackageURI: { ...doc, uri: over.packageUrl ?? `${a.url}/frameworks/${slug}/export.case.json` } },
      CFItems: [{ identifier: `${slug}-c1`, uri: `${a.url}/frameworks/${slug}#c1`, fullStatement: "Compétence", humanCodingScheme: "c1", lastChangeDateTime: "2026-11-29T00:00:00.000Z" },
        { identifier: `${slug}-s1`, uri: `${a.url}/frameworks/${slug}#s1`, fullStatement: "Sous-compétence", humanCodingScheme: "s1", lastChangeDateTime: "2026-11-29T00:00:00.000Z" }],
      CFAssociations: [
        { associationType: "isChildOf", originNodeURI: { identifier: `${slug}-c1`, title: "c1" }, destinationNodeURI: { identifier: slug, title: "doc" } },
        { associationType: "isChildOf", originNodeURI: { identifier: `${slug}-s1`, title: "s1" }, destinationNodeURI: { identifier: `${slug}-c1`, title: "c1" } },
      ],
    };
    return {
      id: `${id}#create-${slug}`, type: "Create", actor,
      object: { id, type: "Document", attributedTo: over.attributedTo ?? actor, mediaType: "application/json", content: JSON.stringify(pkg) },
    };
  }

  it("stores a well-formed package from the followed issuer (the forgeries below differ in one part only)", async () => {
    const res = await postAsA(forged("valid"));
    expect(res.status).toBe(202);
    expect(await outcomeOf(`${a.url}/ap/frameworks/valid#create-valid`)).toBe("framework:stored");
    expect(await remoteOf(`${a.url}/ap/frameworks/valid`)).toMatchObject({ name: "Forgé valid", competencies: 1 });
  });

  it("drops a framework attributed to another actor", async () => {
    const res = await postAsA(forged("other-actor", { attributedTo: `${a.url}/issuers/autre` }));
    expect(res.status).toBe(202);
    expect(await outcomeOf(`${a.url}/ap/frameworks/other-actor#create-other-actor`)).toBe("dropped:framework:attribution");
    expect(await remoteOf(`${a.url}/ap/frameworks/other-actor`)).toBeUndefined();
  });

  it("drops a framework whose package lives on another origin", async () => {
    await postAsA(forged("elsewhere", { packageUrl: "https://evil.example/frameworks/x/export.case.json" }));
    expect(await outcomeOf(`${a.url}/ap/frameworks/elsewhere#create-elsewhere`)).toBe("dropped:framework:origin");
    expect(await remoteOf(`${a.url}/ap/frameworks/elsewhere`)).toBeUndefined();
  });

  it("never lets an older change replace a newer one, and processes one activity once", async () => {
    const older = forged("valid", { changed: "2026-01-01T00:00:00.000Z" });
    await postAsA({ ...older, id: `${a.url}/ap/frameworks/valid#update-old`, type: "Update", object: { ...older.object } });
    expect(await outcomeOf(`${a.url}/ap/frameworks/valid#update-old`)).toBe("dropped:framework:stale");
    const again = await postAsA(forged("valid"));
    expect(again.status).toBe(202);
    const rows = await b.database.db.selectFrom("federation_activities").select("id").where("id", "=", `${a.url}/ap/frameworks/valid#create-valid`).execute();
    expect(rows).toHaveLength(1);
    const copies = await b.database.db.selectFrom("remote_frameworks").select("id").where("ap_id", "=", `${a.url}/ap/frameworks/valid`).execute();
    expect(copies).toHaveLength(1);
  });
});
