import { readFileSync } from "node:fs";
import { join } from "node:path";
import { systemActor } from "../../src/audit/audit.service.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import type { Role } from "../../src/members/roles.ts";
import type { HttpClient } from "./http-client.ts";
import { startTestNodeWith, type TestNode } from "./node.ts";

// Helpers of the competency-framework tests: fixtures and multipart uploads as our forms send them.

/** The hand-made fixtures of test/fixtures/frameworks/. */
export const FIXTURES = join(import.meta.dirname, "..", "fixtures", "frameworks");

/** Reads a framework fixture. */
export function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

/** A file to upload: its name and bytes. */
export interface Upload {
  name: string;
  bytes: Uint8Array | string;
  type?: string;
}

/** Posts a multipart form with the CSRF token, as the import forms do. */
export async function upload(client: HttpClient, path: string, fields: Record<string, string>, files: Record<string, Upload>): Promise<Response> {
  if (!client.csrf) await client.get("/");
  const form = new FormData();
  form.set("_csrf", client.csrf);
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  for (const [k, f] of Object.entries(files)) {
    const data = typeof f.bytes === "string" ? new TextEncoder().encode(f.bytes) : f.bytes;
    form.set(k, new File([data as Uint8Array<ArrayBuffer>], f.name, { type: f.type ?? "text/csv" }));
  }
  return client.request(path, { method: "POST", body: form });
}

/** Windows-1252 bytes of a text (the characters French CSVs use; anything else becomes "?"). */
export function toWindows1252(text: string): Uint8Array {
  const special: Record<string, number> = { "€": 0x80, "‚": 0x82, "„": 0x84, "…": 0x85, "‘": 0x91, "’": 0x92, "“": 0x93, "”": 0x94, "–": 0x96, "—": 0x97, "œ": 0x9c, "Œ": 0x8c, "Ÿ": 0x9f };
  return Uint8Array.from([...text].map((ch) => {
    const code = ch.codePointAt(0)!;
    if (code < 0x80 || (code >= 0xa0 && code <= 0xff)) return code;
    return special[ch] ?? 0x3f;
  }));
}

/** Escapes text the way our views do (Eta autoEscape). */
export const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** Two issuer spaces and one signed-in client per role the framework tests need. */
export async function frameworkActors(node: TestNode) {
  const mk = async (slug: string, name: string) => {
    const r = await node.services.issuers.create(systemActor, { slug, name, description: "", website: null, email: null, logoUrl: null, parent: null });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    return r.value;
  };
  const issuer = await mk("ecole", "École d'ingénieurs");
  const other = await mk("autre", "Autre école");
  const member = async (email: string, at: IssuerRow, role: Role) => {
    const client = await node.signIn(email);
    await node.services.members.add(systemActor, at, { email, role });
    return client;
  };
  return {
    issuer, other,
    creator: await member("creatrice@ecole.example", issuer, "creator"),
    viewer: await member("lecteur@ecole.example", issuer, "viewer"),
    otherCreator: await member("createur@autre.example", other, "creator"),
    anonymous: node.client(),
  };
}

/** The issuer spaces and signed-in clients `frameworkActors` gives. */
export type FrameworkActors = Awaited<ReturnType<typeof frameworkActors>>;

/** A fresh test node and the framework actors on it. */
export function startFrameworkNode(): Promise<{ node: TestNode; actors: FrameworkActors }> {
  return startTestNodeWith(async (node) => ({ actors: await frameworkActors(node) }));
}

/** How many rows a table has. */
export async function countRows(node: TestNode, table: "frameworks" | "framework_imports" | "framework_items" | "framework_cells" | "achievements"): Promise<number> {
  const r = await node.database.db.selectFrom(table).select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow();
  return Number(r.n);
}
