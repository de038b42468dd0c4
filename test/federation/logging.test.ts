// Fedify's own logs go through our LogTape setup: warnings by default, a level of their own.
import { getLogger, reset, withContext } from "@logtape/logtape";
import { afterEach, describe, expect, it, vi } from "vitest";
import { resolveConfig } from "../../src/config/load-config.ts";
import { configureLogging } from "../../src/logging.ts";

const SECRET = { FRANCEBADGE_SECRET: "test-secret-test-secret-test-secret-000" };

describe("Fedify's logs", () => {
  afterEach(async () => {
    vi.restoreAllMocks();
    await reset();
  });

  it("default to warnings (info when our level is debug) and follow FRANCEBADGE_LOG_FEDIFY_LEVEL", () => {
    const level = (env: Record<string, string>, log = {}) => {
      const r = resolveConfig({ origin: "https://badges.example.edu", log }, { ...SECRET, ...env });
      return r.ok ? r.config.log.fedifyLevel : r.problems;
    };
    expect(level({})).toBe("warning");
    expect(level({}, { level: "debug" })).toBe("info");
    expect(level({ FRANCEBADGE_LOG_FEDIFY_LEVEL: "error" })).toBe("error");
    expect(level({ FRANCEBADGE_LOG_FEDIFY_LEVEL: "loud" })).toEqual([expect.stringContaining("log.fedifyLevel")]);
  });

  it("are written by our sink at their own level, apart from ours", async () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation(((chunk: string | Uint8Array) => {
      lines.push(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk));
      return true;
    }) as typeof process.stderr.write);
    await configureLogging("info", "json", "warning");
    getLogger(["fedify", "federation", "outbox"]).info("fedify-info-probe");
    getLogger(["fedify", "federation", "outbox"]).warn("fedify-warning-probe");
    getLogger(["francebadge", "test"]).info("our-info-probe");
    await new Promise((r) => setTimeout(r, 50));
    const out = lines.join("");
    expect(out).toContain("fedify-warning-probe");
    expect(out).toContain("our-info-probe");
    expect(out).not.toContain("fedify-info-probe");
    // Fedify tags records with implicit contexts: they need a context store, or LogTape warns about it.
    withContext({ requestId: "r-1" }, () => getLogger(["fedify", "federation", "inbox"]).warn("fedify-context-probe"));
    await new Promise((r) => setTimeout(r, 50));
    expect(lines.join("")).not.toContain("Context-local storage is not configured");
    expect(JSON.parse(lines.join("").split("\n").find((l) => l.includes("fedify-context-probe"))!)).toMatchObject({ properties: { requestId: "r-1" } });
    const warning = out.split("\n").find((l) => l.includes("fedify-warning-probe"))!;
    expect(JSON.parse(warning)).toMatchObject({ level: "WARN", logger: "fedify.federation.outbox" });
  });
});
