import { afterAll, describe, expect, it } from "vitest";
import { createDocumentLoader } from "../../src/credentials/document-loader.ts";
import { createSigningPool } from "../../src/credentials/signing-pool.ts";
import { signCredential } from "../../src/credentials/signing.ts";
import { buildCorpus, corpusKeys } from "../fixtures/ob3-corpus.ts";

const created = new Date("2026-11-28T10:00:00Z");
const corpus = buildCorpus(30);
// Worker start-up and first signatures take seconds on a busy 2-core box.
const SLOW = 120_000;

describe("signing pool", () => {
  const pool = createSigningPool({ size: 2, chunkSize: 3 });
  afterAll(() => pool.close());

  it("gives, in input order, what signing on the main thread gives", async () => {
    const [key] = await corpusKeys();
    const credentials = corpus.filter((item) => item.keyIndex === 0).map((item) => item.credential);
    const documentLoader = createDocumentLoader();
    const expected = [];
    for (const credential of credentials) expected.push(await signCredential(credential, key!, { documentLoader, created }));
    const outcomes = await pool.signBatch(key!, credentials, { created });
    expect(outcomes).toEqual(expected.map((credential) => ({ ok: true, credential })));
  }, SLOW);

  it("reports a bad credential in its place and signs the others of the batch", async () => {
    const [, key] = await corpusKeys();
    const good = corpus.filter((item) => item.keyIndex === 1).slice(0, 4).map((item) => item.credential);
    const undefinedTerm = { ...good[0], favouriteColour: "bleu" };
    const unknownContext = { ...good[1], "@context": [...(good[1]!["@context"] as string[]), "https://contexts.example/unknown.json"] };
    const outcomes = await pool.signBatch(key!, [good[0]!, undefinedTerm, good[1]!, unknownContext, good[2]!, good[3]!], { created });
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true, false, true, true]);
    expect(outcomes[1]).toEqual({ ok: false, error: expect.stringContaining("favouriteColour") });
    expect(outcomes[3]).toEqual({ ok: false, error: expect.stringContaining("https://contexts.example/unknown.json") });
    expect(outcomes[4]).toMatchObject({ ok: true, credential: { id: good[2]!.id, proof: [{ cryptosuite: "eddsa-rdfc-2022" }] } });
  }, SLOW);

  it("keeps one signing key per worker until it is forgotten, then sends it again", async () => {
    const [, , key] = await corpusKeys();
    const credentials = corpus.filter((item) => item.keyIndex === 2).slice(0, 4).map((item) => item.credential);
    const first = await pool.signBatch(key!, credentials, { created });
    pool.forgetKey(key!);
    const again = await pool.signBatch(key!, credentials, { created });
    expect(again).toEqual(first);
    expect(first.every((o) => o.ok)).toBe(true);
  }, SLOW);

  it("returns an empty list for an empty batch", async () => {
    const [key] = await corpusKeys();
    expect(await pool.signBatch(key!, [])).toEqual([]);
  });
});

describe("signing pool whose worker dies", () => {
  it("fails only the chunk that was in the dead worker, replaces the worker and closes cleanly", async () => {
    const pool = createSigningPool({ size: 2, chunkSize: 1, workerScript: new URL("../fixtures/crashing-signing-worker.ts", import.meta.url) });
    const [key] = await corpusKeys();
    const credentials = corpus.filter((item) => item.keyIndex === 0).slice(0, 6).map((item) => item.credential);
    const batch = [credentials[0]!, credentials[1]!, { ...credentials[2]!, name: "crash" }, credentials[3]!, credentials[4]!, credentials[5]!];
    const outcomes = await pool.signBatch(key!, batch, { created });
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, false, true, true, true]);
    expect(outcomes[2]).toEqual({ ok: false, error: "signing worker stopped: signing worker exited with code 3" });
    const after = await pool.signBatch(key!, credentials.slice(0, 2), { created });
    expect(after.every((o) => o.ok)).toBe(true);
    await pool.close();
    await expect(pool.signBatch(key!, credentials)).rejects.toThrow("signing pool is closed");
  }, SLOW);
});
