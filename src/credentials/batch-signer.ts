// The node's batch signer (issue 4: "signing uses worker threads so both cores work"): what the
// credentials service calls to sign the credentials of one issuing batch with one key.
//
// The worker pool is started on the first batch that needs it, not with the node: most nodes (and
// the hundreds of test nodes) never sign a bulk award, and a worker costs a thread, ~100 MB and a
// second of start-up. A batch of a few credentials (one award, a small API call) is signed on the
// main thread: the round trip to a worker, and a cold worker, cost more than the signatures.
//
// The workers resolve bundled contexts only (createDocumentLoader() in signing-pool.ts). That is all
// signing needs: the proof is computed over the credential and its contexts, and the key comes with
// the request; the node's own documents (issuer profiles, key documents) are read by verifiers, not
// by the signer (test/integration/issuing-pool.test.ts signs with both suites through the pool).
import type { DocumentLoader } from "./document-loader.ts";
import { createSigningPool, type SigningPool } from "./signing-pool.ts";
import { signCredential, type ProofSuite, type SigningKey } from "./signing.ts";

/** Batches up to this size are signed on the main thread. */
export const MAIN_THREAD_MAX = 4;

export interface BatchSignerOptions {
  /** Worker threads; 0 = one per core (config `signing.workers`). */
  workers: number;
  suites: readonly ProofSuite[];
  /** For the batches signed on the main thread. */
  documentLoader: DocumentLoader;
  /** Another worker script speaking the pool's protocol (tests: a worker that crashes). */
  workerScript?: URL;
}

/** What the signer did since the node started. */
export interface SigningStats {
  /** Workers of the pool, 0 while it has not been started. */
  workers: number;
  signedInWorkers: number;
  signedOnMainThread: number;
  /** Credentials that could not be signed (their batch failed). */
  failed: number;
}

/** Thrown when some credentials of a batch could not be signed: nothing of the batch is used. */
export class BatchSigningError extends Error {
  readonly failures: ReadonlyArray<{ index: number; id: string | null; error: string }>;
  constructor(total: number, failures: BatchSigningError["failures"]) {
    const shown = failures.slice(0, 5).map((f) => `#${f.index + 1}${f.id ? ` (${f.id})` : ""}: ${f.error}`).join("; ");
    super(`signing failed for ${failures.length} of ${total} credentials: ${shown}${failures.length > 5 ? "; …" : ""}`);
    this.failures = failures;
  }
}

const idOf = (doc: object) => (typeof (doc as { id?: unknown }).id === "string" ? (doc as { id: string }).id : null);

/** A lazily started signing pool behind the credentials service's `sign(docs, key)`. */
export function createBatchSigner(options: BatchSignerOptions) {
  const suites = [...options.suites];
  const stats: SigningStats = { workers: 0, signedInWorkers: 0, signedOnMainThread: 0, failed: 0 };
  let pool: SigningPool | null = null;
  let closed = false;

  function started(): SigningPool {
    if (closed) throw new Error("the signing pool is closed (the node is stopping)");
    if (!pool) {
      pool = createSigningPool({ size: options.workers > 0 ? options.workers : undefined, workerScript: options.workerScript });
      stats.workers = pool.size;
    }
    return pool;
  }

  async function onMainThread(docs: object[], key: SigningKey): Promise<object[]> {
    const out: object[] = [];
    for (const doc of docs) out.push(await signCredential(doc, key, { documentLoader: options.documentLoader, suites }));
    stats.signedOnMainThread += docs.length;
    return out;
  }

  return {
    /** Signs every credential of a batch, in order, or throws BatchSigningError naming the ones that failed. */
    async sign(docs: object[], key: SigningKey): Promise<object[]> {
      if (docs.length <= MAIN_THREAD_MAX) return onMainThread(docs, key);
      // No `created`: as on the main thread, each proof is dated when it is made.
      const outcomes = await started().signBatch(key, docs, { suites });
      const failures = outcomes.flatMap((o, index) => (o.ok ? [] : [{ index, id: idOf(docs[index]!), error: o.error }]));
      if (failures.length > 0) {
        stats.failed += failures.length;
        throw new BatchSigningError(docs.length, failures);
      }
      stats.signedInWorkers += docs.length;
      return outcomes.map((o) => (o as Extract<typeof o, { ok: true }>).credential);
    },

    /** A copy of the counters. */
    stats: (): SigningStats => ({ ...stats }),

    /** Drops a retired or revoked key from the workers' memory. */
    forgetKey(key: SigningKey): void {
      pool?.forgetKey(key);
    },

    /** Lets the batches in flight finish, then stops the workers (graceful stop). Idempotent. */
    async close(): Promise<void> {
      closed = true;
      const running = pool;
      pool = null;
      await running?.close();
    },
  };
}

export type SigningService = ReturnType<typeof createBatchSigner>;
