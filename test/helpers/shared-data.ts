import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// The one place tests find ../shared (the project's shared data, beside the repository). A fresh
// clone may not have it: tests that need it skip with a printed reason instead of failing.
const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The shared folder: FRANCEBADGE_SHARED_DIR, else ../shared beside the repository. */
export const SHARED_DIR = process.env.FRANCEBADGE_SHARED_DIR ?? resolve(repo, "../shared");

/** The path of a file or folder inside the shared folder. */
export function sharedPath(...parts: string[]): string {
  return join(SHARED_DIR, ...parts);
}

/**
 * Skips the running test (vitest context) when a shared path is missing, printing why; returns
 * true when it skipped, so callers can `if (skipIfNoShared(ctx, ...)) return;`.
 */
export function skipIfNoShared(ctx: { skip: (note?: string) => void }, ...parts: string[]): boolean {
  const path = sharedPath(...parts);
  if (existsSync(path)) return false;
  const why = `skipped: ${path} is absent (set FRANCEBADGE_SHARED_DIR to the shared folder to run this test)`;
  console.warn(why);
  ctx.skip(why);
  return true;
}

/** Reads a shared file as bytes. */
export function readShared(...parts: string[]): Buffer {
  return readFileSync(sharedPath(...parts));
}
