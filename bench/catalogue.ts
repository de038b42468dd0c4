// Catalogue latency with thousands of templates: `node bench/catalogue.ts [count]`
// (SQLite by default; PostgreSQL when TEST_DATABASE_URL is set, e.g. via `bash .ci/postgres.sh -- node bench/catalogue.ts`).
// Prints a table and a JSON line; asserts nothing (numbers depend on the machine).
import { createApp } from "../src/app.ts";
import { systemActor } from "../src/audit/audit.service.ts";
import { resolveConfig } from "../src/config/load-config.ts";
import type { IssuerRow } from "../src/db/database.ts";
import { seedTemplates } from "../test/fixtures/catalogue-seed.ts";
import { createTestDatabase } from "../test/helpers/db.ts";

const count = Number(process.argv[2] ?? 3000);
const ROUNDS = 30;

async function time(fn: () => Promise<unknown>): Promise<{ p50: number; p95: number; max: number }> {
  await fn(); // warm-up: prepared statements, template compilation
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => Math.round(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]! * 100) / 100;
  return { p50: at(0.5), p95: at(0.95), max: at(1) };
}

async function main() {
  const database = await createTestDatabase();
  const resolved = resolveConfig({ origin: "http://127.0.0.1:8080", dataDir: database.dir, demo: false, log: { level: "error" } }, { FRANCEBADGE_SECRET: "bench-secret-bench-secret-bench-secret-0" });
  if (!resolved.ok) throw new Error(resolved.problems.join("\n"));
  const { app, services } = createApp({ config: { ...resolved.config, database: database.setting }, db: database.db, dialect: database.dialect });
  try {
    const issuers: IssuerRow[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await services.issuers.create(systemActor, { slug: `bench-${i}`, name: `Bench ${i}`, description: "", website: null, email: null, logoUrl: null, parent: null });
      if (r.ok) issuers.push(r.value);
    }
    const seedStart = performance.now();
    await seedTemplates(database.db, issuers, count);
    const seedMs = Math.round(performance.now() - seedStart);

    const page = (path: string, headers: Record<string, string> = {}) => async () => {
      const res = await app.request(path, { headers });
      await res.text();
    };
    const cases: Record<string, () => Promise<unknown>> = {
      "search: all, page 1": () => services.achievements.search({}),
      "search: text 'competence'": () => services.achievements.search({ q: "competence" }),
      "search: two words": () => services.achievements.search({ q: "analyse donnees" }),
      "search: tag 'python'": () => services.achievements.search({ tag: "python" }),
      "search: type + language": () => services.achievements.search({ achievementType: "Course", language: "en" }),
      "search: text, page 40": () => services.achievements.search({ q: "badge", page: 40 }),
      "facets in use": () => services.achievements.facetsInUse({}),
      "browse (service)": () => services.catalogue.browse({}, { q: "competence" }),
      "GET /catalogue?q=… (page)": page("/catalogue?q=competence"),
      "GET /catalogue?q=… (htmx)": page("/catalogue?q=competence", { "HX-Request": "true" }),
      "GET /issuers/bench-3/catalogue": page("/issuers/bench-3/catalogue?tag=python"),
      "GET /api/v1/issuers/…/achievements": page("/api/v1/issuers/bench-3/achievements?q=competence"),
    };
    const results: Record<string, { p50: number; p95: number; max: number }> = {};
    for (const [name, fn] of Object.entries(cases)) results[name] = await time(fn);

    console.log(`catalogue bench — ${database.dialect}, ${count} templates (seeded in ${seedMs} ms), ${ROUNDS} rounds, milliseconds`);
    console.table(results);
    console.log(JSON.stringify({ bench: "catalogue", dialect: database.dialect, templates: count, seedMs, results }));
  } finally {
    await services.jobs.stop();
    await database.destroy();
  }
}

await main();
