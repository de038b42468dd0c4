import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPurges } from "../../src/shared/periodic.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const DAY = 86_400_000;

// The periodic purge main.ts starts: expired sessions, login links and old login attempts, and
// SAML request ids past their use (the replay cache) are deleted by the timer; live ones stay.
describe("periodic purge of expired sessions, login links and SAML request ids", () => {
  let node: TestNode;
  beforeAll(async () => { node = await startTestNode(); });
  afterAll(async () => { await node?.close(); });

  it("deletes only what has expired, on its own, and stops with the node", async () => {
    const db = node.database.db;
    await node.signIn("purge@etu.example"); // a live session
    const user = (await node.services.accounts.findByEmail("purge@etu.example"))!;
    await db.insertInto("sessions").values({ id: "expired-session", user_id: user.id, created_at: ago(40 * DAY), expires_at: ago(DAY), last_seen_at: ago(2 * DAY), ip: null, user_agent: null }).execute();
    await db.insertInto("login_tokens").values([
      { id: "expired-link", user_id: user.id, purpose: "magic", created_at: ago(DAY), expires_at: ago(DAY - 900_000), used_at: null },
      { id: "live-link", user_id: user.id, purpose: "magic", created_at: ago(60_000), expires_at: new Date(Date.now() + 900_000).toISOString(), used_at: null },
    ]).execute();
    await db.insertInto("login_attempts").values([
      { id: "old-attempt", email: "purge@etu.example", ip: null, succeeded: 0, at: ago(30 * DAY) },
      { id: "new-attempt", email: "purge@etu.example", ip: null, succeeded: 0, at: ago(60_000) },
    ]).execute();
    await db.insertInto("saml_requests").values([
      { id: "_old-request", idp_entity_id: "https://idp.example/idp", next: null, created_at: ago(2 * DAY), used_at: ago(2 * DAY) },
      { id: "_open-request", idp_entity_id: "https://idp.example/idp", next: null, created_at: ago(60_000), used_at: null },
    ]).execute();
    const ids = async () => ({
      sessions: (await db.selectFrom("sessions").select("id").where("user_id", "=", user.id).execute()).length,
      links: (await db.selectFrom("login_tokens").select("id").where("user_id", "=", user.id).orderBy("id").execute()).map((r) => r.id),
      attempts: (await db.selectFrom("login_attempts").select("id").where("email", "=", "purge@etu.example").orderBy("id").execute()).map((r) => r.id),
      saml: (await db.selectFrom("saml_requests").select("id").orderBy("id").execute()).map((r) => r.id),
    });
    const before = await ids();
    expect(before.sessions).toBeGreaterThanOrEqual(2);
    expect(before.saml).toContain("_old-request");

    const purge = startPurges([node.services.auth, node.services.sso], 20, 0);
    for (let i = 0; i < 100 && (await ids()).saml.includes("_old-request"); i++) await sleep(20);
    await purge.stop();
    const after = await ids();
    expect(after.sessions).toBe(before.sessions - 1);
    expect(await db.selectFrom("sessions").select("id").where("id", "=", "expired-session").executeTakeFirst()).toBeUndefined();
    expect(after.links).toEqual(["live-link"]);
    expect(after.attempts).toContain("new-attempt"); // with the sign-in's own
    expect(after.attempts).not.toContain("old-attempt");
    expect(after.saml).toEqual(["_open-request"]);

    // Stopped: nothing more is deleted.
    await db.insertInto("saml_requests").values({ id: "_later", idp_entity_id: "https://idp.example/idp", next: null, created_at: ago(3 * DAY), used_at: null }).execute();
    await sleep(80);
    expect((await ids()).saml).toContain("_later");
  });
});
