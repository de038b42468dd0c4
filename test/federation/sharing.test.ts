// Scope 3: sharing the catalogue between two real nodes — publish, update, archive; receiver checks.
import { signRequest } from "@fedify/fedify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemActor } from "../../src/audit/audit.service.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import type { TestNode } from "../helpers/node.ts";
import { createIssuer, startFederatedNode, waitFor } from "./federation-kit.ts";

let a: TestNode;
let b: TestNode;
let univA: IssuerRow;
let univB: IssuerRow;

const template = (name: string) => ({
  name, description: `Atelier ${name}`, criteria: { narrative: "Construire un robot suiveur de ligne." }, tags: ["robotique", "atelier"], inLanguage: "fr",
});
const remoteOf = (node: TestNode, obId: string) => node.database.db.selectFrom("remote_templates").selectAll().where("ob_id", "=", obId).executeTakeFirst();

beforeAll(async () => {
  [a, b] = await Promise.all([startFederatedNode(), startFederatedNode()]);
  [univA, univB] = await Promise.all([createIssuer(a, "univ-a", "Université A"), createIssuer(b, "univ-b", "Université B")]);
  const followed = await b.services.federation.partners.follow(systemActor, univB, `${a.url}/issuers/univ-a`);
  if (!followed.ok) throw new Error(followed.error);
  await waitFor(async () => (await b.services.federation.partners.following(univB.id))[0]?.state === "accepted", 20_000, "accept");
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
});

/** Posts an activity as A's issuer, signed with its RSA key, to B's shared inbox. */
async function postAsA(activity: Record<string, unknown>, opts: { tamper?: boolean } = {}): Promise<Response> {
  const [rsa] = await a.services.federation.actorKeys.pairs(univA.id);
  const body = JSON.stringify({ "@context": "https://www.w3.org/ns/activitystreams", ...activity });
  const req = new Request(`${b.url}/inbox`, { method: "POST", headers: { "Content-Type": "application/activity+json" }, body });
  const signed = await signRequest(req, rsa!.privateKey, new URL(`${a.url}/issuers/univ-a#main-key`), { spec: "rfc9421" });
  return fetch(opts.tamper ? new Request(signed.url, { method: "POST", headers: signed.headers, body: body.replace("Robot", "Rabbit") }) : signed);
}

function forgedCreate(slug: string, ob: Record<string, unknown>) {
  const actor = `${a.url}/issuers/univ-a`;
  const id = `${a.url}/ap/achievements/${slug}`;
  return {
    id: `${id}#create-v1`, type: "Create", actor,
    object: { id, type: "Document", attributedTo: actor, mediaType: "application/ld+json", content: JSON.stringify(ob) },
  };
}

describe("publish → partner catalogue → update → archive", () => {
  it("sends Create, Update and Delete to followers; the partner shows, updates and archives its copy", async () => {
    const defined = await a.services.achievements.define(systemActor, univA, template("Robotique 101"), { publish: true });
    if (!defined.ok) throw new Error("define");
    const id = defined.value.row.id;
    const obId = `${a.url}/achievements/${id}`;
    // The delivery job committed with the publication.
    const job = await a.database.db.selectFrom("jobs").selectAll().where("queue", "=", "federation.publish").executeTakeFirst();
    expect(JSON.parse(job!.payload)).toMatchObject({ achievementId: id, kind: "create", version: 1 });

    const copy = await waitFor(() => remoteOf(b, obId), 20_000, "Create received");
    expect(copy).toMatchObject({ name: "Robotique 101", actor_id: `${a.url}/issuers/univ-a`, creator_id: `${a.url}/issuers/univ-a`, status: "published", version: 1, ap_id: `${a.url}/ap/achievements/${id}` });
    expect(JSON.parse(copy.ob_json)).toMatchObject({ id: obId, type: ["Achievement"], criteria: { narrative: "Construire un robot suiveur de ligne." } });

    const partners = (await (await fetch(`${b.url}/api/v1/catalogue?source=partners&q=robotique`)).json()) as { items: Record<string, any>[]; total: number };
    expect(partners.total).toBe(1);
    expect(partners.items[0]).toMatchObject({ name: "Robotique 101", url: `${b.url}/catalogue/partners/${copy.id}`, partner: { name: "Université A", actor: `${a.url}/issuers/univ-a` }, issuer: null });
    const local = (await (await fetch(`${b.url}/api/v1/catalogue?source=local&q=robotique`)).json()) as { total: number };
    expect(local.total).toBe(0);
    const page = await fetch(`${b.url}/catalogue?source=partners`, { headers: { Accept: "text/html" } });
    const html = await page.text();
    expect(html).toContain("Robotique 101");
    expect(html).toContain("par Université A");
    const detail = await (await fetch(`${b.url}/catalogue/partners/${copy.id}`)).text();
    expect(detail).toContain("Construire un robot suiveur de ligne.");

    const edited = await a.services.achievements.edit(systemActor, id, template("Robotique 101 (v2)"));
    expect(edited.ok).toBe(true);
    const updated = await waitFor(async () => ((await remoteOf(b, obId))?.version === 2 ? remoteOf(b, obId) : null), 20_000, "Update received");
    expect(updated?.name).toBe("Robotique 101 (v2)");

    await a.services.achievements.archive(systemActor, id);
    const archived = await waitFor(async () => ((await remoteOf(b, obId))?.status === "archived" ? remoteOf(b, obId) : null), 20_000, "Delete received");
    expect(archived?.archived_at).not.toBeNull();
    const after = (await (await fetch(`${b.url}/api/v1/catalogue?source=partners&q=robotique`)).json()) as { total: number };
    expect(after.total).toBe(0);
  });

  it("serves the template Document and lists it in the issuer's outbox", async () => {
    const defined = await a.services.achievements.define(systemActor, univA, template("Outbox badge"), { publish: true });
    if (!defined.ok) throw new Error("define");
    const doc = (await (await fetch(`${a.url}/ap/achievements/${defined.value.row.id}`, { headers: { Accept: "application/activity+json" } })).json()) as Record<string, any>;
    expect(doc).toMatchObject({ type: "Document", mediaType: "application/ld+json", attributedTo: `${a.url}/issuers/univ-a`, url: { type: "Link", href: `${a.url}/achievements/${defined.value.row.id}` } });
    expect(JSON.parse(doc.content).name).toBe("Outbox badge");
    const outbox = (await (await fetch(`${a.url}/issuers/univ-a/outbox?cursor=0`, { headers: { Accept: "application/activity+json" } })).json()) as { orderedItems: { type: string; object: { name: string } }[] };
    expect(outbox.orderedItems.map((i) => i.object.name)).toContain("Outbox badge");
  });
});

describe("receiver checks", () => {
  const ob = (over: Record<string, unknown>) => ({
    "@context": ["https://www.w3.org/ns/credentials/v2"], type: ["Achievement"], name: "Robot", criteria: { narrative: "x" },
    creator: { id: `${a.url}/issuers/univ-a`, type: ["Profile"], name: "Université A" }, ...over,
  });

  it("drops a template whose OB creator is not the sender (and names no original)", async () => {
    const act = forgedCreate("not-mine", ob({ id: `${a.url}/achievements/not-mine`, creator: { id: "https://elsewhere.example/issuers/x", type: ["Profile"], name: "X" } }));
    expect((await postAsA(act)).status).toBe(202);
    expect((await b.services.federation.partners.findProcessed(act.id))?.outcome).toBe("dropped:creator");
    expect(await remoteOf(b, `${a.url}/achievements/not-mine`)).toBeUndefined();
  });

  it("drops a template whose OB id is on another origin", async () => {
    const act = forgedCreate("foreign-id", ob({ id: "https://elsewhere.example/achievements/1" }));
    expect((await postAsA(act)).status).toBe(202);
    expect((await b.services.federation.partners.findProcessed(act.id))?.outcome).toBe("dropped:origin");
  });

  it("keeps a reused template whose creator is the original's issuer named in related", async () => {
    const act = forgedCreate("reused", ob({ id: `${a.url}/achievements/reused`, creator: { id: "https://elsewhere.example/issuers/x", type: ["Profile"], name: "X" }, related: [{ id: "https://elsewhere.example/achievements/orig", type: ["Related"] }] }));
    expect((await postAsA(act)).status).toBe(202);
    const copy = await remoteOf(b, `${a.url}/achievements/reused`);
    expect(copy?.creator_id).toBe("https://elsewhere.example/issuers/x");
    const view = await b.services.federation.sharing.view(copy!.id);
    expect(view?.confirmedCreator).toBeNull(); // not confirmed until X's own copy of the original is known here
  });

  it("refuses a tampered POST with 401", async () => {
    const act = forgedCreate("tampered", ob({ id: `${a.url}/achievements/tampered` }));
    expect((await postAsA(act, { tamper: true })).status).toBe(401);
    expect(await b.services.federation.partners.findProcessed(act.id)).toBeUndefined();
  });

  it("drops templates from an actor nobody here follows", async () => {
    const lonely = await createIssuer(a, "lonely");
    const defined = await a.services.achievements.define(systemActor, lonely, template("Personne"), { publish: true });
    if (!defined.ok) throw new Error("define");
    const [rsa] = await a.services.federation.actorKeys.pairs(lonely.id);
    const actor = `${a.url}/issuers/lonely`;
    const id = `${a.url}/ap/achievements/${defined.value.row.id}`;
    const body = JSON.stringify({ "@context": "https://www.w3.org/ns/activitystreams", id: `${id}#create-v1`, type: "Create", actor, object: { id, type: "Document", attributedTo: actor, mediaType: "application/ld+json", content: JSON.stringify(ob({ id: `${a.url}/achievements/${defined.value.row.id}`, creator: { id: actor } })) } });
    const signed = await signRequest(new Request(`${b.url}/inbox`, { method: "POST", headers: { "Content-Type": "application/activity+json" }, body }), rsa!.privateKey, new URL(`${actor}#main-key`));
    expect((await fetch(signed)).status).toBe(202);
    expect((await b.services.federation.partners.findProcessed(`${id}#create-v1`))?.outcome).toBe("dropped:not-partner");
  });
});

describe("a new partner's earlier templates", () => {
  it("are fetched from its outbox once it accepts", async () => {
    const late = await createIssuer(a, "late-a", "Université tardive");
    const defined = await a.services.achievements.define(systemActor, late, template("Publié avant"), { publish: true });
    if (!defined.ok) throw new Error("define");
    const followed = await b.services.federation.partners.follow(systemActor, univB, `${a.url}/issuers/late-a`);
    expect(followed.ok).toBe(true);
    const copy = await waitFor(() => remoteOf(b, `${a.url}/achievements/${defined.value.row.id}`), 20_000, "backfill");
    expect(copy).toMatchObject({ name: "Publié avant", actor_id: `${a.url}/issuers/late-a` });
  });
});
