// The real server process (`node src/main.ts`): what it prints on a first start and on a fatal start error.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import { freePort } from "../helpers/node.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
vi.setConfig({ testTimeout: 180_000 });
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

interface Run { code: number | null; stdout: string; stderr: string }

/** Runs the node until it says it listens (then stops it with SIGTERM) or exits by itself. */
function runNode(env: Record<string, string>): Promise<Run> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("FRANCEBADGE_") && k !== "NODE_OPTIONS") clean[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["src/main.ts"], {
      cwd: ROOT, env: { ...clean, FRANCEBADGE_DEMO: "false", FRANCEBADGE_LOG_LEVEL: "info", FRANCEBADGE_LOG_FORMAT: "json", FRANCEBADGE_AUTH_PASSWORD_HASH_COST: "10", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes("listening on")) child.kill("SIGTERM");
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "fb-node-process-"));
  dirs.push(dir);
  return join(dir, "data");
}

describe("the node process", () => {
  it("prints the administrator's e-mail and setup link on the first start only; creates its files privately", async () => {
    const dir = dataDir();
    const port = String(await freePort());
    const first = await runNode({ FRANCEBADGE_DATA_DIR: dir, FRANCEBADGE_PORT: port, FRANCEBADGE_ADMIN_EMAIL: "root@univ.example" });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain("e-mail:     root@univ.example");
    expect(first.stdout).toMatch(new RegExp(`http://localhost:${port}/setup/[\\w-]{20,}`));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "francebadge.sqlite")).mode & 0o777).toBe(0o600);

    const second = await runNode({ FRANCEBADGE_DATA_DIR: dir, FRANCEBADGE_PORT: port, FRANCEBADGE_ADMIN_EMAIL: "root@univ.example" });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain("listening on");
    expect(second.stdout).not.toContain("root@univ.example");
    expect(second.stdout).not.toContain("/setup/");
  });

  it("exits 1 with one clear line when its port is taken", async () => {
    const port = await freePort();
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(port, "127.0.0.1", resolve));
    try {
      const run = await runNode({ FRANCEBADGE_DATA_DIR: dataDir(), FRANCEBADGE_PORT: String(port) });
      expect(run.code).toBe(1);
      const lines = run.stderr.trim().split("\n").filter((l) => !l.startsWith("{")); // JSON lines are the log
      expect(lines).toEqual([`Cannot listen on 127.0.0.1:${port}: EADDRINUSE, the port is already in use (another node?); choose another port (FRANCEBADGE_PORT)`]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it("exits 1 with one line for an unreachable PostgreSQL (password masked) and for a data folder that cannot be made", async () => {
    const pg = await runNode({ FRANCEBADGE_DATA_DIR: dataDir(), FRANCEBADGE_DATABASE_URL: "postgres://fb:hunter2-secret@127.0.0.1:1/fb" });
    expect(pg.code).toBe(1);
    expect(pg.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^Database error: cannot connect to postgres:\/\/fb:\*\*\*@127\.0\.0\.1:1\/fb: ECONNREFUSED/)]);
    const dir = await runNode({ FRANCEBADGE_DATA_DIR: "/etc/hostname/x" });
    expect(dir.code).toBe(1);
    expect(dir.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^Configuration error: dataDir: cannot .*\/etc\/hostname\/x \((ENOTDIR|EEXIST|EACCES)/)]);
  });

  it("lists every configuration problem at once", async () => {
    const run = await runNode({ FRANCEBADGE_PORT: "0", FRANCEBADGE_ORIGIN: "http://x.example", FRANCEBADGE_PROT: "1" });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^Configuration error: FRANCEBADGE_PROT: unknown environment variable/),
      expect.stringMatching(/^Configuration error: port: /),
      expect.stringMatching(/^Configuration error: origin: must use https/),
      expect.stringMatching(/^Configuration error: secret: /),
    ]);
  });
});
