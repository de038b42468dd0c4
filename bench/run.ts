// `npm run bench` [-- --rounds 5 --count 200 --budget 90 --award-rows 10000]: eddsa-rdfc-2022 signing of varied OB 3.0 credentials,
// the stock library next to our pipeline (jsonld copy-on-write contexts + cached KeyObjects), on the
// main thread and with 1 and 2 worker threads. Each configuration is its own process; rounds are
// interleaved (the order rotates) so a noisy neighbour hits all of them alike; figures are medians over
// rounds and "× stock" is the median of per-round ratios. After `budget` seconds of rounds it stops
// early (keeping at least 3 rounds), so a crowded machine does not make it run for ten minutes. Prints a
// table and one JSON line; asserts only that every configuration produced the same proofs (and that
// ours used the speed-up). Then the 10 000-row award end to end (bench/award-10k.ts, its own process;
// `--award-rows 0` skips it). Method and results: docs/performance.md.
import { fork, type ChildProcess } from "node:child_process";
import { availableParallelism, cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import type { FromChild, Mode, Pipeline, ToChild } from "./sign-child.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "5" }, count: { type: "string", default: "200" }, budget: { type: "string", default: "90" }, "award-rows": { type: "string", default: "10000" } } });
const MAX_ROUNDS = Number(values.rounds);
const COUNT = Number(values.count);
const BUDGET_MS = Number(values.budget) * 1000;
const MIN_ROUNDS = Math.min(3, MAX_ROUNDS);

interface Config {
  pipeline: Pipeline;
  mode: Mode;
  child: ChildProcess;
  ready: Promise<Extract<FromChild, { type: "ready" }>>;
  results: Array<Extract<FromChild, { type: "result" }>>;
}

const label = (c: { pipeline: Pipeline; mode: Mode }) => `${c.pipeline === "stock" ? "stock library" : "our pipeline"}, ${c.mode === "main" ? "main thread" : `${c.mode} worker${c.mode === "1" ? "" : "s"}`}`;

function start(pipeline: Pipeline, mode: Mode): Config {
  const child = fork(new URL("./sign-child.ts", import.meta.url), [pipeline, mode], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  child.on("exit", (code) => {
    if (code !== 0) {
      console.error(`benchmark child "${pipeline} ${mode}" exited with code ${code}`);
      process.exit(1);
    }
  });
  const ready = new Promise<Extract<FromChild, { type: "ready" }>>((resolve) => {
    child.once("message", (m: FromChild) => { if (m.type === "ready") resolve(m); });
  });
  return { pipeline, mode, child, ready, results: [] };
}

function runRound(config: Config, round: number): Promise<Extract<FromChild, { type: "result" }>> {
  return new Promise((resolve) => {
    config.child.once("message", (m: FromChild) => { if (m.type === "result") resolve(m); });
    config.child.send({ type: "round", round, count: COUNT } satisfies ToChild);
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

const began = performance.now();
const loadBefore = loadavg();
const modes: Mode[] = ["main", "1", "2"];
// Started one after the other, so that each warm-up has the machine to itself.
const configs: Config[] = [];
const ready: Array<Extract<FromChild, { type: "ready" }>> = [];
for (const pipeline of ["stock", "ours"] as const) {
  for (const mode of modes) {
    const config = start(pipeline, mode);
    ready.push(await config.ready);
    configs.push(config);
  }
}
console.log(`Started and warmed up ${configs.length} configurations in ${((performance.now() - began) / 1000).toFixed(0)} s; up to ${MAX_ROUNDS} rounds of ${COUNT} credentials each.`);

const roundsBegan = performance.now();
let rounds = 0;
while (rounds < MAX_ROUNDS && (rounds < MIN_ROUNDS || performance.now() - roundsBegan < BUDGET_MS)) {
  const round = rounds++;
  const order = configs.map((_, i) => configs[(i + round) % configs.length]!);
  for (const config of order) config.results.push(await runRound(config, round));
  process.stdout.write(`round ${round + 1}/${MAX_ROUNDS} done (${((performance.now() - began) / 1000).toFixed(0)} s)\n`);
}
for (const config of configs) config.child.send({ type: "exit" } satisfies ToChild);

// The same credentials with the same `created` must give the same proofs everywhere.
const digests = new Set(configs.flatMap((c) => c.results.map((r) => `${r.round}:${r.digest}`)));
const identical = digests.size === rounds;
// Our main-thread process must have signed through the copy-on-write contexts.
const speedupActive = (ready[configs.findIndex((c) => c.pipeline === "ours" && c.mode === "main")]?.sharedClones ?? 0) > 0;

const rows = configs.map((c) => {
  const rates = c.results.map((r) => (r.count / r.wallMs) * 1000);
  const stock = configs.find((s) => s.pipeline === "stock" && s.mode === c.mode)!;
  const ratios = c.results.map((r, i) => (stock.results[i]!.wallMs / r.wallMs));
  return {
    config: label(c), pipeline: c.pipeline, workers: c.mode === "main" ? 0 : Number(c.mode),
    perSecond: Math.round(median(rates)), minPerSecond: Math.round(Math.min(...rates)), maxPerSecond: Math.round(Math.max(...rates)),
    timesStock: Math.round(median(ratios) * 100) / 100,
    p50Ms: Math.round(median(c.results.map((r) => quantile(r.latencies, 0.5))) * 100) / 100,
    p90Ms: Math.round(median(c.results.map((r) => quantile(r.latencies, 0.9))) * 100) / 100,
    cpuPerWall: Math.round(median(c.results.map((r) => r.cpuMs / r.wallMs)) * 100) / 100,
    // CPU time of the whole process (all threads, GC included) per credential: steadier than wall time
    // when other tenants share the cores.
    cpuMsPerCredential: Math.round(median(c.results.map((r) => r.cpuMs / r.count)) * 100) / 100,
    cpuTimesStock: Math.round(median(c.results.map((r, i) => stock.results[i]!.cpuMs / r.cpuMs)) * 100) / 100,
    rssMb: Math.round(Math.max(...c.results.map((r) => r.rssMb))),
    warmupS: Math.round(ready[configs.indexOf(c)]!.warmupMs / 100) / 10,
  };
});

const pad = (s: string | number, n: number) => String(s).padStart(n);
console.log("");
console.log(`${"configuration".padEnd(28)} ${pad("cred/s", 6)} ${pad("(min–max)", 11)} ${pad("× stock", 7)} ${pad("p50 ms", 7)} ${pad("p90 ms", 7)} ${pad("CPU ms/cred", 11)} ${pad("× stock", 7)} ${pad("CPU/wall", 8)} ${pad("RSS MB", 6)}`);
for (const r of rows) {
  console.log(`${r.config.padEnd(28)} ${pad(r.perSecond, 6)} ${pad(`${r.minPerSecond}–${r.maxPerSecond}`, 11)} ${pad(r.timesStock.toFixed(2), 7)} ${pad(r.p50Ms.toFixed(2), 7)} ${pad(r.p90Ms.toFixed(2), 7)} ${pad(r.cpuMsPerCredential.toFixed(2), 11)} ${pad(r.cpuTimesStock.toFixed(2), 7)} ${pad(r.cpuPerWall.toFixed(2), 8)} ${pad(r.rssMb, 6)}`);
}
const loadAfter = loadavg();
const ours2 = rows.find((r) => r.pipeline === "ours" && r.workers === 2)!;
const stock2 = rows.find((r) => r.pipeline === "stock" && r.workers === 2)!;
console.log("");
console.log("cred/s: one batch per round (workers: one signBatch per issuer key). Latency: main thread = one signature;");
console.log("workers = a one-credential request through the pool while `size` such requests are in flight. RSS: peak at round ends.");
console.log(`Proofs identical across all configurations: ${identical ? "yes" : "NO"}; speed-up active in our pipeline: ${speedupActive ? "yes" : "NO"}. Our 2 workers vs stock 2 workers: ${ours2.timesStock.toFixed(2)}× (${ours2.perSecond} vs ${stock2.perSecond} cred/s).`);
console.log(`${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}, load average ${loadBefore[0]!.toFixed(1)} → ${loadAfter[0]!.toFixed(1)}, ${((performance.now() - began) / 1000).toFixed(0)} s.`);
console.log(JSON.stringify({
  bench: "signing", suite: "eddsa-rdfc-2022", rounds: rounds, count: COUNT, node: process.version, cores: availableParallelism(),
  loadavg: [loadBefore[0], loadAfter[0]], proofsIdentical: identical, speedupActive, rows,
}));
if (!identical || !speedupActive) process.exitCode = 1;

// The end-to-end award, after the signing processes have exited (they would compete for the cores).
if (Number(values["award-rows"]) > 0) {
  await Promise.all(configs.map((c) => (c.child.exitCode !== null ? null : new Promise((resolve) => c.child.once("exit", resolve)))));
  console.log("");
  const award = fork(new URL("./award-10k.ts", import.meta.url), ["--rows", values["award-rows"]], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const code = await new Promise<number | null>((resolve) => award.once("exit", resolve));
  if (code !== 0) process.exitCode = 1;
}
