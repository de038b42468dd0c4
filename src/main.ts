import { loadConfig } from "./config/load-config.ts";

/** Entry point: config → database → migrations → first start → HTTP server; stops gracefully. */
async function main(): Promise<void> {
  const loaded = await loadConfig();
  if (!loaded.ok) {
    for (const problem of loaded.problems) console.error(`Configuration error: ${problem}`);
    process.exit(1);
  }
  const config = loaded.config;
  // The rest of the node is loaded only once the config is known good, so a bad setting is reported at once.
  const [{ serve }, { getLogger }, { createApp }, { migrateToLatest }, { openDatabase }, { configureLogging }, { firstStartLines, runFirstStart }, { VERSION }] = await Promise.all([
    import("@hono/node-server"), import("@logtape/logtape"), import("./app.ts"), import("./db/migrate.ts"), import("./db/open-database.ts"),
    import("./logging.ts"), import("./setup/first-start.ts"), import("./version.ts"),
  ]);
  const { startPurges } = await import("./shared/periodic.ts");
  await configureLogging(config.log.level, config.log.format, config.log.fedifyLevel);
  const log = getLogger(["francebadge"]);
  const database = openDatabase(config.database);
  const applied = await migrateToLatest(database.db);
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
    await purge.stop();
    await services.jobs.stop();
    await services.signing.close(); // after the jobs: an issuing batch in flight finishes first
    await database.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

await main();
