import type { Context } from "hono";
import type { CookieKit } from "./cookies.ts";

/** A one-shot message shown on the next page (after a redirect). */
export interface Flash {
  key: string;
  params?: Record<string, string>;
  kind?: "ok" | "error";
}

/** Stores a flash message for the next page. */
export function setFlash(c: Context, cookies: CookieKit, flash: Flash): void {
  cookies.set(c, "fb_flash", Buffer.from(JSON.stringify(flash)).toString("base64url"), 60);
}

/** Reads and clears the flash message, if any. */
export function takeFlash(c: Context, cookies: CookieKit): Flash | null {
  const raw = cookies.get(c, "fb_flash");
  if (!raw) return null;
  cookies.clear(c, "fb_flash");
  try {
    const value = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as Flash;
    return typeof value.key === "string" ? value : null;
  } catch {
    return null;
  }
}
