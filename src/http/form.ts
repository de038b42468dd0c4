import type { Context } from "hono";

/** A form body that cannot be read (a multipart body with a broken boundary, say): the client's fault, a 400. */
export class BadBodyError extends Error {
  constructor(cause: unknown) {
    super("malformed request body", { cause });
    this.name = "BadBodyError";
  }
}

/** Parses a urlencoded or multipart body (cached by Hono); an unreadable one throws BadBodyError. */
export async function readBody(c: Context): Promise<Awaited<ReturnType<Context["req"]["parseBody"]>>> {
  try {
    return await c.req.parseBody();
  } catch (e) {
    throw new BadBodyError(e);
  }
}

/** Reads a urlencoded or multipart form as plain strings (files are left out). */
export async function formFields(c: Context): Promise<Record<string, string>> {
  const body = await readBody(c);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string" && k !== "_csrf") out[k] = v;
  return out;
}

/** A safe local redirect target from a `next` parameter (never another site). */
export function safeNext(next: string | undefined, fallback = "/"): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : fallback;
}
