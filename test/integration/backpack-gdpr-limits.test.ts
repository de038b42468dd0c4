import { strFromU8, unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { open } from "../../src/shared/secret-box.ts";
import { signedVcJwt } from "../fixtures/verification/vc-jwt.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";

// Issue 5, GDPR with the backpack's newer data (imported badges, extra addresses, pending links),
// and the limit on confirmation mails (each one goes to an address the learner may not own).
describe("backpack: GDPR export and erasure of imports and addresses; confirmation-mail limit", () => {
  let node: TestNode;

  // The confirmation links queued for an address (the outbox keeps messages sealed).
  async function confirmLinksTo(email: string): Promise<string[]> {
    const jobs = await node.database.db.selectFrom("jobs").select("payload").where("queue", "=", "mail").execute();
    const mails = jobs.map((j) => open(node.config.secret, "mail-outbox", JSON.parse(j.payload).sealed)).filter((p) => p.includes(email));
    // A mail holds its link more than once (text and HTML parts): one per mail.
    return [...new Set(mails.flatMap((m) => m.match(/https?:\/\/[^\s"\\<>]+\/backpack\/addresses\/confirm\/[A-Za-z0-9_-]+/g) ?? []).map((u) => new URL(u).pathname))];
  }

  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(async () => {
    await node?.close();
  });

  it("exports the addresses, then erases imported badges, extra addresses and pending links with the account", async () => {
    const MAIN = "ines@etu.example";
    const EXTRA = "ines.perso@mail.example";
    const PENDING = "ines.ancienne@old.example";
    const learner = await node.signIn(MAIN);
    const user = (await node.services.accounts.findByEmail(MAIN))!;

    expect((await learner.submit("/backpack/addresses", { email: EXTRA })).status).toBe(200);
    const [link] = await confirmLinksTo(EXTRA);
    expect((await learner.submit(link!, {})).status).toBe(303);
    expect((await learner.submit("/backpack/addresses", { email: PENDING })).status).toBe(200); // never confirmed
    const { jws } = await signedVcJwt("Badge importé");
    expect((await learner.submit("/backpack/import", { json: jws })).status).toBe(303);
    const saved = await learner.submit("/backpack/pages", { title: "CV", intro: "", published: "1", entries: (await node.database.db.selectFrom("backpack_entries").select("id").where("user_id", "=", user.id).executeTakeFirstOrThrow()).id });
    expect(saved.status).toBe(303);

    const zip = unzipSync(new Uint8Array(await (await learner.get("/backpack/export")).arrayBuffer()));
    const profile = JSON.parse(strFromU8(zip["profile.json"]!));
    expect(profile.addresses).toEqual([{ email: MAIN, main: true }, { email: EXTRA, main: false }]);
    expect(profile.imported).toHaveLength(1);

    const db = node.database.db;
    const count = async (table: "backpack_entries" | "user_emails" | "login_tokens" | "learner_pages") =>
      Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as("n")).where("user_id", "=", user.id).executeTakeFirstOrThrow()).n);
    expect(await count("backpack_entries")).toBe(1);
    expect(await count("user_emails")).toBeGreaterThanOrEqual(1);
    expect(await db.selectFrom("login_tokens").select("id").where("user_id", "=", user.id).where("purpose", "=", `email-add:${PENDING}`).execute()).toHaveLength(1);
    expect(await count("learner_pages")).toBe(1);

    expect((await learner.submit("/backpack/delete-account", { confirm: "yes" })).status).toBe(303);
    expect(await node.services.accounts.findById(user.id)).toBeUndefined();
    for (const table of ["backpack_entries", "user_emails", "login_tokens", "learner_pages"] as const) expect(await count(table), table).toBe(0);
    expect(await db.selectFrom("user_emails").select("email").where("email", "in", [EXTRA, PENDING]).execute()).toEqual([]);
    expect(await db.selectFrom("backpack_entries").select("id").where("external_jwt", "=", jws).execute()).toEqual([]);
    expect(await db.selectFrom("login_tokens").select("id").where("purpose", "like", "email-add:%ines%").execute()).toEqual([]);
    // The pending link mailed out before the erasure leads nowhere now.
    const [pending] = await confirmLinksTo(PENDING);
    const again = await node.signIn(MAIN);
    expect((await again.submit(pending!, {})).status).toBe(410);
  });

  it("limits confirmation mails per account: a clear 429 in French and English, no mail sent", async () => {
    const learner = await node.signIn("hugo@etu.example");
    for (let i = 1; i <= 5; i++) expect((await learner.submit("/backpack/addresses", { email: `hugo${i}@mail.example` })).status).toBe(200);
    const limited = await learner.submit("/backpack/addresses", { email: "hugo6@mail.example" });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await limited.text()).toMatch(/Trop de liens de confirmation demandés en peu de temps : aucun e-mail n&#39;a été envoyé\. Réessayez dans \d+ secondes\./);
    const english = await learner.submit("/backpack/addresses", { email: "hugo7@mail.example" }, { "Accept-Language": "en" });
    expect(english.status).toBe(429);
    expect(await english.text()).toMatch(/Too many confirmation links asked for in a short time: no e-mail was sent\. Try again in \d+ seconds\./);
    expect(await confirmLinksTo("hugo5@mail.example")).toHaveLength(1);
    expect(await confirmLinksTo("hugo6@mail.example")).toEqual([]);
    expect(await confirmLinksTo("hugo7@mail.example")).toEqual([]);
    const hugo = (await node.services.accounts.findByEmail("hugo@etu.example"))!;
    expect(await node.database.db.selectFrom("login_tokens").select("id").where("user_id", "=", hugo.id).where("purpose", "like", "email-add:%").execute()).toHaveLength(5);
    // A refusal sends nothing: it says why, not "too many".
    expect((await learner.submit("/backpack/addresses", { email: "hugo@etu.example" })).status).toBe(422);
    // Another account still gets its mail.
    const other = await node.signIn("lou@etu.example");
    expect((await other.submit("/backpack/addresses", { email: "lou@mail.example" })).status).toBe(200);
    expect(await confirmLinksTo("lou@mail.example")).toHaveLength(1);
  });
});
