import type { Context } from "hono";
import type { VerifyInput } from "./input.ts";

/** What a verify request asks: the thing to verify and, optionally, the recipient to check. */
export interface VerifyRequest {
  input: VerifyInput;
  /** An e-mail address, or a federation identifier written "eppn:<identifier>". */
  email?: string;
}

const text = (v: unknown) => (typeof v === "string" ? v.trim() : "");
// The recipient to check: `email` (an address, or "eppn:…"), else an `eppn` field or parameter.
const recipientOf = (email: unknown, eppn: unknown) => text(email) || (text(eppn) ? `eppn:${text(eppn)}` : "");

/** Reads the /verify form or a multipart API body: file first, then pasted text, then URL. Null when all are empty. */
export async function readForm(c: Context): Promise<{ request: VerifyRequest | null; fields: Record<string, string> }> {
  let body: Record<string, unknown>;
  try {
    body = await c.req.parseBody();
  } catch {
    return { request: null, fields: {} }; // a broken multipart body: "give something to verify"
  }
  const fields = { json: text(body.json), url: text(body.url), email: recipientOf(body.email, body.eppn) };
  const email = fields.email ? { email: fields.email } : {};
  const file = body.file;
  if (file instanceof File && file.size > 0) return { request: { input: { bytes: new Uint8Array(await file.arrayBuffer()), filename: file.name }, ...email }, fields };
  if (fields.json) return { request: { input: { text: fields.json }, ...email }, fields };
  if (fields.url) return { request: { input: { url: fields.url }, ...email }, fields };
  return { request: null, fields };
}

// `{ "url": "…" }` or `{ "credential": {…} }` (each with an optional "email"), else the body is the credential.
function fromJsonBody(raw: string, email: string): VerifyRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { input: { text: raw }, ...(email ? { email } : {}) }; // reported as "not valid JSON"
  }
  const o = parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  const wrapper = o && !("@context" in o) && !("type" in o);
  const mail = email || (wrapper ? recipientOf(o.email, o.eppn) : "");
  const withEmail = mail ? { email: mail } : {};
  if (wrapper && typeof o.url === "string") return { input: { url: o.url.trim() }, ...withEmail };
  if (wrapper && o.credential !== undefined) return { input: typeof o.credential === "string" ? { text: o.credential } : { json: o.credential }, ...withEmail };
  return { input: { json: parsed }, ...withEmail };
}

/** Reads a POST /api/v1/verify body by its media type: JSON, text (JWS, JSON or URL), multipart, or raw file bytes. */
export async function readApiBody(c: Context): Promise<VerifyRequest | null> {
  const type = (c.req.header("Content-Type") ?? "").toLowerCase();
  const email = recipientOf(c.req.query("email"), c.req.query("eppn"));
  if (type.startsWith("multipart/form-data") || type.startsWith("application/x-www-form-urlencoded")) {
    const { request } = await readForm(c);
    return request && email && !request.email ? { ...request, email } : request;
  }
  if (/^application\/([\w.+-]*\+)?json/.test(type)) {
    const raw = await c.req.text();
    return raw.trim() ? fromJsonBody(raw, email) : null;
  }
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.length === 0) return null;
  const input: VerifyInput = type.startsWith("text/plain") ? { text: Buffer.from(bytes).toString("utf8") } : { bytes };
  return { input, ...(email ? { email } : {}) };
}
