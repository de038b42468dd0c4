// Runs the W3C JSON-LD API test suite (expand, compact, flatten, toRdf, fromRdf manifests) twice — with
// stock jsonld and with our copy-on-write speed-up, each in its own process — and checks that every
// output (or error code) is identical. Part of accepting a new jsonld version (docs/performance.md).
// The suite is not in this repository: clone https://github.com/w3c/json-ld-api and pass its tests/.
// Usage: node bench/jsonld-suite-compare.ts /path/to/json-ld-api/tests
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const BASE = "https://w3c.github.io/json-ld-api/tests/";
const KINDS = ["expand", "compact", "flatten", "toRdf", "fromRdf"] as const;
const OPTION_NAMES = ["compactArrays", "compactToRelative", "produceGeneralizedRdf", "rdfDirection", "useNativeTypes", "useRdfType", "omitGraph"];

interface Test {
  "@id": string;
  input: string;
  context?: string;
  option?: Record<string, unknown> & { specVersion?: string; base?: string; processingMode?: string; expandContext?: string };
}

async function runSuite(dir: string, speedup: boolean): Promise<string[]> {
  if (speedup) (await import("../src/credentials/jsonld-speedup.ts")).installJsonldSpeedup();
  const jsonld = createRequire(import.meta.url)("jsonld");
  const read = (file: string) => readFileSync(join(dir, file), "utf8");
  const documentLoader = async (url: string) => {
    const file = url.startsWith(BASE) ? join(dir, url.slice(BASE.length).split("#")[0]!) : "";
    if (!file || !existsSync(file)) throw new Error(`not in the suite: ${url}`);
    const text = readFileSync(file, "utf8");
    return { contextUrl: null, documentUrl: url, document: file.endsWith(".nq") ? text : JSON.parse(text) };
  };
  const lines: string[] = [];
  for (const kind of KINDS) {
    for (const test of (JSON.parse(read(`${kind}-manifest.jsonld`)) as { sequence: Test[] }).sequence) {
      const o = test.option ?? {};
      if (o.specVersion === "json-ld-1.0") continue;
      const options: Record<string, unknown> = { base: o.base ?? BASE + test.input, documentLoader, processingMode: o.processingMode };
      if (o.expandContext) options.expandContext = JSON.parse(read(o.expandContext));
      for (const name of OPTION_NAMES) if (name in o) options[name] = o[name];
      let result: string;
      try {
        const input = test.input.endsWith(".nq") ? read(test.input) : JSON.parse(read(test.input));
        const context = test.context ? JSON.parse(read(test.context)) : null;
        const output = kind === "expand" ? await jsonld.expand(input, options)
          : kind === "compact" ? await jsonld.compact(input, context, options)
          : kind === "flatten" ? await jsonld.flatten(input, context, options)
          : kind === "toRdf" ? await jsonld.toRDF(input, { ...options, format: "application/n-quads" })
          : await jsonld.fromRDF(input, { ...options, format: "application/n-quads" });
        result = JSON.stringify(output);
      } catch (error) {
        const e = error as Error & { details?: { code?: string } };
        result = `ERROR ${e.details?.code ?? e.name}: ${e.message}`;
      }
      lines.push(`${kind}${test["@id"]}\t${result}`);
    }
  }
  return lines;
}

const [dir, mode] = process.argv.slice(2);
if (!dir) throw new Error("usage: node bench/jsonld-suite-compare.ts /path/to/json-ld-api/tests");
if (mode) {
  process.stdout.write(`${JSON.stringify(await runSuite(dir, mode === "speedup"))}\n`);
} else {
  const self = fileURLToPath(import.meta.url);
  const run = async (m: string) => JSON.parse((await promisify(execFile)(process.execPath, [self, dir, m], { maxBuffer: 256 * 2 ** 20 })).stdout) as string[];
  const [stock, ours] = await Promise.all([run("stock"), run("speedup")]);
  const differing = stock.filter((line, i) => line !== ours[i]).map((line) => line.split("\t")[0]);
  const errors = stock.filter((line) => line.includes("\tERROR ")).length;
  console.log(`${stock.length} tests (${errors} expected or known errors, compared too): ${differing.length === 0 && stock.length === ours.length ? "all outputs identical" : `${differing.length} differ: ${differing.join(", ")}`}`);
  if (differing.length > 0 || stock.length !== ours.length) process.exitCode = 1;
}
