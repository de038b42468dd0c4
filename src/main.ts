import { serve } from "@hono/node-server";
import { getLogger } from "@logtape/logtape";
import { createApp } from "./app.ts";
import { loadConfig } from "./config/load-config.ts";
import { migrateToLatest } from "./db/migrate.ts";
import { openDatabase } from "./db/open-database.ts";
import { configureLogging } from "./logging.ts";
import { firstStartLines, runFirstStart } from "./setup/first-start.ts";
import { VERSION } from "./version.ts";

/** Entry point: config → database → migrations → first start → HTTP server; stops gracefully. */
async function main(): Promise<void> {
  const loaded = await loadConfig();
  if (!loaded.ok) {
    for (const problem of loaded.problems) console.error(`Configuration error: ${problem}`);
    process.exit(1);
  }
  const config = loaded.config;
  await configureLogging(config.log.level, config.log.format);
  const log = getLogger(["francebadge"]);
  const database = openDatabase(config.database);
  const applied = await migrateToLatest(database.db);
  if (applied.length) log.info("Applied migrations: {applied}", { applied });
  const { app, services } = createApp({ config, db: database.db, dialect: database.dialect });
  const report = await runFirstStart(config, services);
  for (const line of firstStartLines(report, config.origin)) console.log(line);
  services.jobs.start();
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    log.info("FranceBadge node {version} listening on {host}:{port}, public origin {origin} ({db})", {
      version: VERSION, host: info.address, port: info.port, origin: config.origin, db: database.dialect,
    });
  });
  server.on("error", (error) => {
    log.fatal("Cannot listen on {host}:{port}: {error}", { host: config.host, port: config.port, error });
    process.exit(1);
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("{signal} received: stopping", { signal });
    server.close();
    await services.jobs.stop();
    await database.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

await main();
