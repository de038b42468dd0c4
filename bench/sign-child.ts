// One benchmark configuration in its own process (so RSS and jsonld's state belong to it alone), driven
// by bench/run.ts over IPC. Usage (by run.ts): node bench/sign-child.ts <stock|ours> <main|1|2>
import { createHash } from "node:crypto";
import { createDocumentLoader } from "../src/credentials/document-loader.ts";
import type { SigningPool, WorkerSign } from "../src/credentials/signing-pool.ts";
import type { SigningKey } from "../src/credentials/signing.ts";
import { buildCorpus, corpusKeys, type CorpusItem } from "../test/fixtures/ob3-corpus.ts";

export type Pipeline = "stock" | "ours";
export type Mode = "main" | "1" | "2";
export type ToChild = { type: "round"; round: number; count: number } | { type: "exit" };
export type FromChild =
  | { type: "ready"; warmupMs: number; sharedClones: number | null }
  | { type: "result"; round: number; count: number; wallMs: number; latencies: number[]; cpuMs: number; rssMb: number; digest: string };

const CREATED = new Date("2026-11-28T12:00:00Z");
const [pipeline, mode] = process.argv.slice(2) as [Pipeline, Mode];
if (!["stock", "ours"].includes(pipeline) || !["main", "1", "2"].includes(mode)) throw new Error("usage: sign-child.ts <stock|ours> <main|1|2>");

const corpus = buildCorpus(300);
const keys = await corpusKeys();
const documentLoader = createDocumentLoader();

// Load only one pipeline's code: importing signing.ts installs the jsonld speed-up in this process.
let sign: WorkerSign | null = null;
let pool: SigningPool | null = null;
let speedupStatus: (() => { sharedClones: number }) | null = null;
if (mode === "main") {
  if (pipeline === "stock") {
    const stock = await import("./stock-sign.ts");
    stock.assertStockJsonld();
    sign = stock.stockSign;
  } else {
    sign = (await import("../src/credentials/signing.ts")).signCredential as WorkerSign;
    speedupStatus = (await import("../src/credentials/jsonld-speedup.ts")).jsonldSpeedupStatus;
  }
} else {
  const { createSigningPool } = await import("../src/credentials/signing-pool.ts");
  pool = createSigningPool({ size: Number(mode), ...(pipeline === "stock" ? { workerScript: new URL("./stock-signing-worker.ts", import.meta.url) } : {}) });
}

function slice(offset: number, count: number): CorpusItem[] {
  return Array.from({ length: count }, (_, i) => corpus[(offset + i) % corpus.length]!);
}

function proofValueOf(signed: object): string {
  return ((signed as { proof: Array<{ proofValue: string }> }).proof[0]!).proofValue;
}

// Main thread: one credential after the other. Pool: one batch per issuer key, all at once (the bulk
// award path), for throughput; then single-credential requests, `size` in flight, for latency.
async function throughputPhase(items: CorpusItem[]): Promise<{ proofValues: string[]; latencies: number[] }> {
  if (sign) {
    const latencies: number[] = [];
    const proofValues: string[] = [];
    for (const item of items) {
      const start = performance.now();
      const signed = await sign(item.credential, keys[item.keyIndex]!, { documentLoader, created: CREATED });
      latencies.push(performance.now() - start);
      proofValues.push(proofValueOf(signed));
    }
    return { proofValues, latencies };
  }
  const byKey = keys.map((_, k) => items.map((item, i) => ({ item, i })).filter(({ item }) => item.keyIndex === k));
  const proofValues = new Array<string>(items.length);
  await Promise.all(byKey.map(async (group, k) => {
    const outcomes = await pool!.signBatch(keys[k] as SigningKey, group.map(({ item }) => item.credential), { created: CREATED });
    outcomes.forEach((outcome, j) => {
      if (!outcome.ok) throw new Error(outcome.error);
      proofValues[group[j]!.i] = proofValueOf(outcome.credential);
    });
  }));
  return { proofValues, latencies: [] };
}

async function latencyPhase(items: CorpusItem[]): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: pool!.size }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      const start = performance.now();
      const [outcome] = await pool!.signBatch(keys[item.keyIndex]!, [item.credential], { created: CREATED });
      if (!outcome?.ok) throw new Error(outcome?.error ?? "no outcome");
      latencies.push(performance.now() - start);
    }
  }));
  return latencies;
}

const send = (message: FromChild) => process.send!(message);

// Signing keeps getting faster for the first ~1 000 signatures of a thread (V8 tiering; ours more
// than stock), so each thread signs 800 before anything is measured.
const WARM_UP = 800;
const warmStart = performance.now();
await throughputPhase(slice(0, mode === "main" ? WARM_UP : WARM_UP * Number(mode)));
if (pool) await latencyPhase(slice(100, 20));
send({ type: "ready", warmupMs: performance.now() - warmStart, sharedClones: speedupStatus ? speedupStatus().sharedClones : null });

process.on("message", async (message: ToChild) => {
  if (message.type === "exit") {
    await pool?.close();
    process.disconnect();
    return;
  }
  const items = slice(message.round * message.count, message.count);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const { proofValues, latencies } = await throughputPhase(items);
  const wallMs = performance.now() - start;
  const cpuUsed = process.cpuUsage(cpu);
  const poolLatencies = pool ? await latencyPhase(slice(message.round * message.count + 7, Math.ceil(message.count / 4))) : latencies;
  send({
    type: "result", round: message.round, count: message.count, wallMs, latencies: poolLatencies,
    cpuMs: (cpuUsed.user + cpuUsed.system) / 1000, rssMb: process.memoryUsage.rss() / 2 ** 20,
    digest: createHash("sha256").update(proofValues.join("\n")).digest("hex"),
  });
});
