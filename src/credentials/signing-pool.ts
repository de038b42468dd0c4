// A worker_threads pool that signs credentials on every core (issue 4: "signing uses worker threads so
// both cores work"). Each worker runs src/credentials/signing-worker.ts, i.e. our signCredential with
// the jsonld speed-up; a batch is cut into chunks that idle workers take in turn, results come back in
// input order, and one bad credential fails alone (an outcome value, not a rejected batch).
//
// Key material: a SigningKey is posted to a worker once (the first chunk it signs with that key) and kept
// there under a numeric handle, so the worker's cached KeyObject is reused; it is never logged and never
// put in workerData. forgetKey() drops it from the workers (after rotation or revocation).
import { availableParallelism } from "node:os";
import { isMainThread, parentPort, Worker } from "node:worker_threads";
import { createDocumentLoader, type DocumentLoader } from "./document-loader.ts";
import type { ProofSuite, SigningKey } from "./signing.ts";

export type SignOutcome<T> = { ok: true; credential: T & { proof: object[] } } | { ok: false; error: string };

export interface BatchOptions {
  /** Proof creation time, the same for the whole batch (defaults to now, per credential). */
  created?: Date;
  suites?: ProofSuite[];
}

export interface SigningPoolOptions {
  /** Number of workers; defaults to the available cores. */
  size?: number;
  /** Credentials per message to a worker (default: about a quarter of a batch's share per worker, 1–32). */
  chunkSize?: number;
  /** Another worker script speaking the same protocol (the benchmark's stock-library worker). */
  workerScript?: URL;
}

export interface SigningPool {
  readonly size: number;
  signBatch<T extends object>(key: SigningKey, credentials: readonly T[], options?: BatchOptions): Promise<Array<SignOutcome<T>>>;
  /** Drops a key from every worker's memory. */
  forgetKey(key: SigningKey): void;
  /** Finishes the queued work, then stops the workers. */
  close(): Promise<void>;
}

// Messages between the pool and its workers.
type ToWorker =
  | { type: "key"; handle: number; key: SigningKey }
  | { type: "forget"; handle: number }
  | { type: "sign"; chunk: number; handle: number; credentials: unknown[]; created?: string; suites?: ProofSuite[] }
  | { type: "close" };
type FromWorker = { type: "ready" } | { type: "signed"; chunk: number; outcomes: Array<SignOutcome<object>> };

interface Chunk {
  id: number;
  handle: number;
  key: SigningKey;
  credentials: unknown[];
  options: BatchOptions;
  settle: (outcomes: Array<SignOutcome<object>>) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  current: Chunk | null;
  keys: Set<number>;
}

const MAX_CHUNK = 32;

/** Starts `size` signing workers. Close the pool when done (idle workers do not keep the process alive). */
export function createSigningPool(options: SigningPoolOptions = {}): SigningPool {
  const size = Math.max(1, Math.floor(options.size ?? availableParallelism()));
  const script = options.workerScript ?? new URL("./signing-worker.ts", import.meta.url);
  const queue: Chunk[] = [];
  const slots: Slot[] = [];
  const handles = new WeakMap<SigningKey, number>();
  let nextHandle = 1;
  let nextChunk = 1;
  let closing = false;
  let broken: Error | null = null;
  let drained: (() => void) | null = null;

  const idle = () => queue.length === 0 && slots.every((s) => s.current === null);

  function spawn(): Slot {
    const slot: Slot = { worker: new Worker(script), ready: false, current: null, keys: new Set() };
    slot.worker.unref();
    slot.worker.on("message", (message: FromWorker) => {
      if (message.type === "ready") {
        slot.ready = true;
        return;
      }
      const chunk = slot.current;
      if (!chunk || chunk.id !== message.chunk) return;
      slot.current = null;
      slot.worker.unref();
      chunk.settle(message.outcomes);
      pump();
    });
    slot.worker.on("error", (error) => stopped(slot, error));
    slot.worker.on("exit", (code) => stopped(slot, new Error(`signing worker exited with code ${code}`)));
    return slot;
  }

  // A worker died. Before it was ready, the worker code itself is broken: fail everything, loudly.
  // Afterwards, only its chunk fails; a fresh worker takes its place.
  function stopped(slot: Slot, error: Error): void {
    const index = slots.indexOf(slot);
    if (index < 0) return;
    slots.splice(index, 1);
    const failed = slot.current;
    slot.current = null;
    failed?.settle(failed.credentials.map(() => ({ ok: false, error: `signing worker stopped: ${error.message}` })));
    if (!slot.ready && !closing) {
      broken = new Error(`signing worker failed to start: ${error.message}`);
      for (const chunk of queue.splice(0)) chunk.settle(chunk.credentials.map(() => ({ ok: false, error: broken!.message })));
    } else if (!closing) {
      slots.push(spawn());
    }
    pump();
  }

  function post(slot: Slot, message: ToWorker): void {
    slot.worker.postMessage(message);
  }

  function pump(): void {
    for (const slot of slots) {
      if (slot.current !== null) continue;
      const chunk = queue.shift();
      if (!chunk) break;
      slot.current = chunk;
      slot.worker.ref();
      if (!slot.keys.has(chunk.handle)) {
        post(slot, { type: "key", handle: chunk.handle, key: chunk.key });
        slot.keys.add(chunk.handle);
      }
      post(slot, {
        type: "sign", chunk: chunk.id, handle: chunk.handle, credentials: chunk.credentials,
        created: chunk.options.created?.toISOString(), suites: chunk.options.suites,
      });
    }
    if (drained && idle()) drained();
  }

  for (let i = 0; i < size; i++) slots.push(spawn());

  return {
    size,

    async signBatch<T extends object>(key: SigningKey, credentials: readonly T[], batch: BatchOptions = {}) {
      if (broken) throw broken;
      if (closing) throw new Error("signing pool is closed");
      let handle = handles.get(key);
      if (handle === undefined) {
        handle = nextHandle++;
        handles.set(key, handle);
      }
      const outcomes = new Array<SignOutcome<T>>(credentials.length);
      const chunkSize = options.chunkSize ?? Math.min(MAX_CHUNK, Math.max(1, Math.ceil(credentials.length / (size * 4))));
      const pending: Promise<void>[] = [];
      for (let start = 0; start < credentials.length; start += chunkSize) {
        const part = credentials.slice(start, start + chunkSize);
        pending.push(new Promise<void>((resolve) => {
          queue.push({
            id: nextChunk++, handle: handle!, key, credentials: part as unknown[], options: batch,
            settle: (results) => {
              results.forEach((outcome, i) => { outcomes[start + i] = outcome as SignOutcome<T>; });
              resolve();
            },
          });
        }));
      }
      pump();
      await Promise.all(pending);
      return outcomes;
    },

    forgetKey(key) {
      const handle = handles.get(key);
      if (handle === undefined) return;
      handles.delete(key);
      for (const slot of slots) if (slot.keys.delete(handle)) post(slot, { type: "forget", handle });
    },

    async close() {
      if (closing) return;
      closing = true;
      if (!idle()) await new Promise<void>((resolve) => { drained = resolve; });
      const exits = slots.map((slot) => new Promise<void>((resolve) => slot.worker.once("exit", () => resolve())));
      for (const slot of slots) {
        slot.worker.ref();
        post(slot, { type: "close" });
      }
      await Promise.all(exits);
    },
  };
}

/** What a worker does with one credential (our signCredential, or the benchmark's stock signer). */
export type WorkerSign = (credential: object, key: SigningKey, options: { documentLoader: DocumentLoader; created?: Date; suites?: ProofSuite[] }) => Promise<object>;

/** Worker side of the protocol: call it once from the worker script, after its imports. */
export function serveSigningRequests(sign: WorkerSign): void {
  if (isMainThread || !parentPort) throw new Error("serveSigningRequests runs inside a signing worker");
  const port = parentPort;
  const documentLoader = createDocumentLoader();
  const keys = new Map<number, SigningKey>();
  port.on("message", async (message: ToWorker) => {
    if (message.type === "key") keys.set(message.handle, message.key);
    else if (message.type === "forget") keys.delete(message.handle);
    else if (message.type === "close") port.close();
    else {
      const key = keys.get(message.handle);
      const created = message.created ? new Date(message.created) : undefined;
      const outcomes: Array<SignOutcome<object>> = [];
      for (const credential of message.credentials) {
        try {
          if (!key) throw new Error("signing key was not sent to this worker");
          const signed = await sign(credential as object, key, { documentLoader, created, suites: message.suites });
          outcomes.push({ ok: true, credential: signed as object & { proof: object[] } });
        } catch (error) {
          outcomes.push({ ok: false, error: describeError(error) });
        }
      }
      port.postMessage({ type: "signed", chunk: message.chunk, outcomes } satisfies FromWorker);
    }
  });
  port.postMessage({ type: "ready" } satisfies FromWorker);
}

// jsonld's errors say "Safe mode validation error." and keep the useful part in details or cause.
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const e = error as Error & { details?: { code?: string; event?: { code?: string; details?: { property?: string } } } };
  const code = e.details?.event?.code ?? e.details?.code;
  const property = e.details?.event?.details?.property;
  const cause = e.cause instanceof Error ? ` (${e.cause.message})` : "";
  return `${e.message}${code ? ` [${code}${property ? `: ${property}` : ""}]` : ""}${cause}`;
}
