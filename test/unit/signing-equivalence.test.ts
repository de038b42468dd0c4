// Issue 4, Performance: our signing pipeline (copy-on-write jsonld active contexts + cached Ed25519
// KeyObjects) must give the stock library's bytes. The stock reference runs in a separate process that
// never loads the speed-up (test/fixtures/sign-corpus-stock.ts), so no jsonld cache can mix the two.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { cryptosuite } from "@digitalbazaar/eddsa-rdfc-2022-cryptosuite";
import { beforeAll, describe, expect, it } from "vitest";
import { createDocumentLoader } from "../../src/credentials/document-loader.ts";
import { checkJsonldForSpeedup, JsonldSpeedupError, jsonldSpeedupStatus, type ActiveContext, type JsonldInternals } from "../../src/credentials/jsonld-speedup.ts";
import { signCredential, type SigningKey } from "../../src/credentials/signing.ts";
import { buildCorpus, corpusKeys, type CorpusItem } from "../fixtures/ob3-corpus.ts";

const COUNT = 240;
const stockScript = fileURLToPath(new URL("../fixtures/sign-corpus-stock.ts", import.meta.url));

interface Signed {
  index: number;
  proof: Record<string, unknown>;
  nquads: string;
}

async function signStockInChildProcess(): Promise<Signed[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [stockScript, String(COUNT)], { maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim().split("\n").map((line) => JSON.parse(line) as Signed);
}

async function signOurs(corpus: CorpusItem[], keys: SigningKey[]): Promise<Signed[]> {
  const documentLoader = createDocumentLoader();
  const out: Signed[] = [];
  for (const [index, item] of corpus.entries()) {
    const signed = await signCredential(item.credential, keys[item.keyIndex]!, { documentLoader, created: new Date(item.created) });
    expect(signed.proof).toHaveLength(1);
    out.push({ index, proof: signed.proof[0] as Record<string, unknown>, nquads: await cryptosuite.canonize(item.credential, { documentLoader }) });
  }
  return out;
}

describe("signing with the speed-up gives the stock library's bytes", () => {
  const corpus = buildCorpus(COUNT);
  let stock: Signed[] = [];
  let ours: Signed[] = [];
  let clones = 0;

  beforeAll(async () => {
    const keys = await corpusKeys();
    const before = jsonldSpeedupStatus().sharedClones;
    [stock, ours] = await Promise.all([signStockInChildProcess(), signOurs(corpus, keys)]);
    clones = jsonldSpeedupStatus().sharedClones - before;
  }, 300_000);

  it("uses a varied corpus of the §1.12 shape", () => {
    const has = (test: (c: Record<string, any>) => boolean) => corpus.filter((item) => test(item.credential)).length;
    expect(corpus).toHaveLength(COUNT);
    expect(new Set(corpus.map((item) => item.credential.id)).size).toBe(COUNT);
    expect(has((c) => c.credentialSubject.achievement.alignment?.length > 0)).toBeGreaterThan(COUNT / 2);
    expect(has((c) => c.credentialSubject.achievement.resultDescription !== undefined)).toBeGreaterThan(COUNT / 4);
    expect(has((c) => c.credentialSubject.result !== undefined)).toBeGreaterThan(COUNT / 4);
    expect(has((c) => c.credentialSubject.achievement.creator !== undefined)).toBeGreaterThan(COUNT / 2);
    expect(has((c) => c.evidence !== undefined)).toBeGreaterThan(COUNT / 2);
    expect(has((c) => c.credentialStatus?.type === "BitstringStatusListEntry")).toBeGreaterThan(COUNT / 2);
    expect(has((c) => c.credentialSchema !== undefined)).toBeGreaterThan(COUNT / 2);
    expect(has((c) => /[^\u0000-\u007f]/.test(JSON.stringify(c.credentialSubject)))).toBe(COUNT);
  });

  it("signs through the copy-on-write active contexts", () => {
    expect(jsonldSpeedupStatus().installed).toBe(true);
    expect(clones).toBeGreaterThan(COUNT);
  });

  it("gives every credential the same proof, proofValue included", () => {
    expect(stock).toHaveLength(COUNT);
    const differing = ours.filter((signed, i) => JSON.stringify(signed.proof) !== JSON.stringify(stock[i]!.proof)).map((s) => s.index);
    expect(differing).toEqual([]);
    expect(new Set(ours.map((s) => s.proof.proofValue)).size).toBe(COUNT);
  });

  it("gives every credential the same canonical N-Quads", () => {
    const differing = ours.filter((signed, i) => signed.nquads !== stock[i]!.nquads).map((s) => s.index);
    expect(differing).toEqual([]);
    expect(ours.every((s) => s.nquads.split("\n").length > 30)).toBe(true);
  });
});

describe("the speed-up's guard", () => {
  const require = createRequire(import.meta.url);
  const contextJs = readFileSync(require.resolve("jsonld/lib/context.js"), "utf8");
  // jsonld's own internals; its cached initial context already carries our methods (signing.ts ran).
  const internals = (changes: Partial<JsonldInternals> = {}): JsonldInternals => {
    const context = require("jsonld/lib/context.js") as { getInitialContext(o: object): ActiveContext; createTermDefinition: JsonldInternals["createTermDefinition"] };
    return {
      version: "9.0.0", initialContext: { ...context.getInitialContext({}) }, createTermDefinition: context.createTermDefinition,
      librarySources: new Map([["context.js", contextJs]]), ...changes,
    };
  };

  it("refuses another jsonld version, naming the upstream issue", () => {
    expect(() => checkJsonldForSpeedup(internals({ version: "9.1.0" }))).toThrow(JsonldSpeedupError);
    expect(() => checkJsonldForSpeedup(internals({ version: "9.1.0" }))).toThrow(/jsonld 9\.1\.0 is not verified.*#414/);
  });

  it("refuses a jsonld whose clone does not deep-copy as 9.0.0 does, or whose context has other fields", () => {
    expect(internals().initialContext.clone.name).toBe("cloneSharingImmutableParts");
    expect(() => checkJsonldForSpeedup(internals())).toThrow(/clone\(\) no longer contains util\.clone\(this\.mappings\)/);
    const wider = { ...internals().initialContext, "@direction": null } as ActiveContext;
    expect(() => checkJsonldForSpeedup(internals({ initialContext: wider }))).toThrow(/initial context keys are/);
  });

  it("refuses a jsonld that writes a term map outside createTermDefinition", () => {
    const sources = new Map([["context.js", contextJs], ["expand.js", "activeCtx.mappings.set(term, {});"]]);
    expect(() => checkJsonldForSpeedup(internals({ librarySources: sources }))).toThrow(/expand\.js writes \.mappings\.set\( outside createTermDefinition/);
  });
});
