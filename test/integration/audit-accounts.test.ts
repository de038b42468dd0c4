// The account events of the audit trail: the first administrator, passwords (setup link, reset
// link, change) and sign-ins, written by the services in the same transaction as the change.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "../../src/demo/demo-data.ts";
import { startTestNode, TEST_PASSWORD, type TestNode } from "../helpers/node.ts";

let node: TestNode;
beforeAll(async () => { node = await startTestNode(); });
afterAll(async () => { await node?.close(); });

async function eventsOf(userId: string) {
  return (await node.services.audit.listForObject("user", userId)).map((e) => ({
    action: e.action, actor: e.actor_label, actorId: e.actor_id, ip: e.ip, details: e.details ? JSON.parse(e.details) : null,
  }));
}

describe("audit trail of accounts and sign-ins", () => {
  it("records the node administrator created at first start (by the system), once", async () => {
    const created = await node.services.accounts.ensureNodeAdmin("first-admin@univ.example");
    expect(created?.email).toBe("first-admin@univ.example");
    expect(await node.services.accounts.ensureNodeAdmin("first-admin@univ.example")).toBeNull();
    const user = (await node.services.accounts.findByEmail("first-admin@univ.example"))!;
    expect(await eventsOf(user.id)).toEqual([
      { action: "account.create", actor: "system", actorId: null, ip: null, details: { email: "first-admin@univ.example", nodeAdmin: true, firstStart: true } },
    ]);

    // The setup link: the password is set by the account holder, from the client's address.
    const client = node.client();
    const done = await client.submit(`/setup/${created!.setupToken}`, { password: "admin-password-42", confirm: "admin-password-42" });
    expect(done.status).toBe(303);
    const events = await eventsOf(user.id);
    expect(events.at(-1)).toMatchObject({ action: "account.password.setup", actor: "first-admin@univ.example", actorId: user.id });
    expect(events.at(-1)!.ip).toMatch(/127\.0\.0\.1/);
  });

  it("records a password reset through a link and a password change", async () => {
    const created = await node.services.accounts.create({ email: "reset@univ.example", displayName: "Reset", password: TEST_PASSWORD });
    if (!created.ok) throw new Error(created.error);
    const token = await node.services.accounts.issueToken(created.value.id, "reset");
    const reset = await node.client().submit(`/reset/${token}`, { password: "new-password-123", confirm: "new-password-123" });
    expect(reset.status).toBe(303);
    const client = await node.signIn("reset@univ.example", { password: "new-password-123" });
    const changed = await client.submit("/account/password", { current: "new-password-123", password: "third-password-456", confirm: "third-password-456" });
    expect(changed.status).toBe(303);
    const wrong = await client.submit("/account/password", { current: "not-the-password", password: "fourth-password-789", confirm: "fourth-password-789" });
    expect(wrong.status).toBe(422);
    expect((await eventsOf(created.value.id)).map((e) => [e.action, e.actor])).toEqual([
      ["account.password.reset", "reset@univ.example"],
      ["auth.login", "reset@univ.example"],
      ["account.password.change", "reset@univ.example"],
    ]);
  });

  it("records sign-ins, successful and refused, with the reason and the client address", async () => {
    const created = await node.services.accounts.create({ email: "login@univ.example", displayName: "Login", password: TEST_PASSWORD });
    if (!created.ok) throw new Error(created.error);
    expect((await node.client().submit("/login", { email: "login@univ.example", password: "wrong password" })).status).toBe(401);
    expect((await node.client().submit("/login", { email: "Login@Univ.example", password: TEST_PASSWORD })).status).toBe(303);
    const events = await eventsOf(created.value.id);
    expect(events.map((e) => [e.action, e.actor, e.actorId, e.details])).toEqual([
      ["auth.login.failed", "login@univ.example", created.value.id, { reason: "invalid", method: "password" }],
      ["auth.login", "login@univ.example", created.value.id, { method: "password" }],
    ]);
    expect(events.every((e) => /127\.0\.0\.1/.test(e.ip ?? ""))).toBe(true);

    // An unknown e-mail is recorded too (no account to point at).
    expect((await node.client().submit("/login", { email: "nobody@univ.example", password: "whatever-123" })).status).toBe(401);
    const node_events = await node.services.audit.listForIssuer(null, 5);
    expect(node_events.find((e) => e.actor_label === "nobody@univ.example")).toMatchObject({ action: "auth.login.failed", actor_id: null, object_id: null });
  });

  it("labels the demo seeding as demo, not as the command line", async () => {
    expect(await seedDemo(node.services)).not.toBeNull();
    const issuer = await node.services.issuers.findBySlug("centrale-marseille-demo");
    const events = await node.services.audit.listForIssuer(issuer!.id, 500);
    const seeded = events.filter((e) => e.action === "issuer.create" || e.action === "member.add");
    expect(seeded.length).toBeGreaterThan(0);
    expect(new Set(seeded.map((e) => e.actor_label))).toEqual(new Set(["demo"]));
  });
});
