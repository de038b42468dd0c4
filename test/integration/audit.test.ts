import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAuditService, systemActor, type Actor, type AuditService } from "../../src/audit/audit.service.ts";
import type { Clock } from "../../src/shared/clock.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/db.ts";

const ada: Actor = { userId: "user-ada", label: "ada@univ.example", ip: "203.0.113.7" };
const bob: Actor = { userId: "user-bob", label: "bob@univ.example", ip: "2001:db8::2" };

describe("audit trail", () => {
  let t: TestDatabase;
  let audit: AuditService;
  let now = Date.parse("2026-12-01T08:00:00.000Z");
  const clock: Clock = { now: () => new Date(now) };
  /** Moves the clock one second, so every event has its own time. */
  const later = () => { now += 1_000; };

  beforeAll(async () => {
    t = await createTestDatabase();
    audit = createAuditService({ db: t.db, clock });
  });
  afterAll(async () => { await t.destroy(); });
  beforeEach(async () => { await t.db.deleteFrom("audit_events").execute(); });

  it("records who did what, on which object, for which issuer, when and from where", async () => {
    await audit.record(ada, { action: "member.add", objectType: "user", objectId: "user-bob", issuerId: "issuer-1", details: { role: "creator", email: "bob@univ.example" } });
    const [event] = await audit.listForIssuer("issuer-1");
    expect(event).toMatchObject({
      actor_id: "user-ada", actor_label: "ada@univ.example", ip: "203.0.113.7", action: "member.add",
      object_type: "user", object_id: "user-bob", issuer_id: "issuer-1", at: "2026-12-01T08:00:00.000Z",
    });
    expect(JSON.parse(event!.details!)).toEqual({ role: "creator", email: "bob@univ.example" });
    expect(event!.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("stores null for what an event leaves out (system actor, no object, no details)", async () => {
    await audit.record(systemActor, { action: "node.start", objectType: "node" });
    const [event] = await audit.listForIssuer(null);
    expect(event).toMatchObject({ actor_id: null, actor_label: "system", ip: null, object_id: null, issuer_id: null, details: null });
  });

  it("lists the events of one issuer, newest first, up to a limit", async () => {
    for (const action of ["issuer.create", "issuer.update", "member.add"]) {
      await audit.record(ada, { action, objectType: "issuer", objectId: "issuer-1", issuerId: "issuer-1" });
      later();
    }
    await audit.record(bob, { action: "issuer.create", objectType: "issuer", objectId: "issuer-2", issuerId: "issuer-2" });
    expect((await audit.listForIssuer("issuer-1")).map((e) => e.action)).toEqual(["member.add", "issuer.update", "issuer.create"]);
    expect((await audit.listForIssuer("issuer-1", 2)).map((e) => e.action)).toEqual(["member.add", "issuer.update"]);
    expect((await audit.listForIssuer("issuer-2")).map((e) => e.actor_label)).toEqual(["bob@univ.example"]);
    expect((await audit.listForIssuer(null)).map((e) => e.issuer_id)).toEqual(["issuer-2", "issuer-1", "issuer-1", "issuer-1"]);
  });

  it("lists the events about one object, oldest first", async () => {
    for (const [action, actor] of [["invitation.create", ada], ["invitation.resend", bob], ["invitation.revoke", ada]] as const) {
      await audit.record(actor, { action, objectType: "invitation", objectId: "inv-1", issuerId: "issuer-1" });
      later();
    }
    await audit.record(ada, { action: "invitation.create", objectType: "invitation", objectId: "inv-2", issuerId: "issuer-1" });
    await audit.record(ada, { action: "user.update", objectType: "user", objectId: "inv-1" }); // same id, other type
    const events = await audit.listForObject("invitation", "inv-1");
    expect(events.map((e) => [e.action, e.actor_label])).toEqual([
      ["invitation.create", "ada@univ.example"], ["invitation.resend", "bob@univ.example"], ["invitation.revoke", "ada@univ.example"],
    ]);
  });

  it("commits an event with the caller's transaction, and drops it on rollback", async () => {
    await expect(t.db.transaction().execute(async (tx) => {
      await audit.record(ada, { action: "issuer.delete", objectType: "issuer", objectId: "issuer-9", issuerId: "issuer-9" }, tx);
      throw new Error("rollback");
    })).rejects.toThrow("rollback");
    expect(await audit.listForObject("issuer", "issuer-9")).toEqual([]);
    await t.db.transaction().execute(async (tx) => {
      await audit.record(ada, { action: "issuer.update", objectType: "issuer", objectId: "issuer-9", issuerId: "issuer-9" }, tx);
    });
    expect((await audit.listForObject("issuer", "issuer-9")).map((e) => e.action)).toEqual(["issuer.update"]);
  });
});
