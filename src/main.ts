import { loadConfig } from "./config/load-config.ts";
import type { Config } from "./config/config.schema.ts";

/** Prints one clear line on stderr and exits 1. Written directly: LogTape's stream sink writes
 * asynchronously, so a record logged just before process.exit() would never appear. */
function fatal(line: string): never {
  process.stderr.write(line + "\n");
  process.exit(1);
}

function listenProblem(config: Config, error: NodeJS.ErrnoException): string {
  const where = `${config.host}:${config.port}`;
  if (error.code === "EADDRINUSE") return `Cannot listen on ${where}: EADDRINUSE, the port is already in use (another node?); choose another port (FRANCEBADGE_PORT)`;
  if (error.code === "EACCES") return `Cannot listen on ${where}: EACCES, this user may not open that port; choose a port above 1023 (FRANCEBADGE_PORT)`;
  if (error.code === "EADDRNOTAVAIL") return `Cannot listen on ${where}: EADDRNOTAVAIL, this machine has no such address (FRANCEBADGE_HOST)`;
  return `Cannot listen on ${where}: ${error.code ?? ""} ${error.message}`.replace(/\s+/g, " ");
}

/** Entry point: config → database → migrations → first start → HTTP server; stops gracefully. */
async function main(): Promise<void> {
  const loaded = await loadConfig();
  if (!loaded.ok) {
    for (const problem of loaded.problems) process.stderr.write(`Configuration error: ${problem}\n`);
    process.exit(1);
  }
  const config = loaded.config;
  // The rest of the node is loaded only once the config is known good, so a bad setting is reported at once.
  const [{ serve }, { getLogger }, { createApp }, { DatabaseStartError, openMigratedDatabase }, { configureLogging }, { firstStartLines, runFirstStart }, { VERSION }] = await Promise.all([
    import("@hono/node-server"), import("@logtape/logtape"), import("./app.ts"), import("./db/open-database.ts"),
    import("./logging.ts"), import("./setup/first-start.ts"), import("./version.ts"),
  ]);
  const { startPurges } = await import("./shared/periodic.ts");
  await configureLogging(config.log.level, config.log.format, config.log.fedifyLevel);
  const log = getLogger(["francebadge"]);
  const opened = await openMigratedDatabase(config.database).catch((error: unknown) => {
    if (error instanceof DatabaseStartError) fatal(error.message);
    throw error;
  });
  const { database, applied } = opened;
  if (applied.length) log.info("Applied migrations: {applied}", { applied });
  const { app, services } = createApp({ config, db: database.db, dialect: database.dialect });
  const report = await runFirstStart(config, services);
  for (const line of firstStartLines(report, config.origin)) console.log(line);
  services.jobs.start();
  // Expired sessions, login attempts and links, SAML request ids (the replay cache): hourly.
  const purge = startPurges([services.auth, services.sso]);
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    log.info("FranceBadge node {version} listening on {host}:{port}, public origin {origin} ({db})", {
      version: VERSION, host: info.address, port: info.port, origin: config.origin, db: database.dialect,
    });
  });
  server.on("error", (error: NodeJS.ErrnoException) => fatal(listenProblem(config, error)));
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("{signal} received: stopping", { signal });
    server.close();
    await purge.stop();
    await services.jobs.stop();
    await services.signing.close(); // after the jobs: an issuing batch in flight finishes first
    await database.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

// Anything else that stops the start is a defect: its stack, after one line saying what happened.
await main().catch((error: unknown) => {
  process.stderr.write(`Startup error: ${(error as Error)?.message ?? String(error)}\n${(error as Error)?.stack ?? ""}\n`);
  process.exit(1);
});
