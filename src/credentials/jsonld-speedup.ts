// Copy-on-write active contexts for jsonld.js — our side of digitalbazaar/jsonld.js#414.
//
// Why: signing an OB 3.0 credential with eddsa-rdfc-2022 spends about half its time in jsonld's
// `util.clone`, called from the active context's `clone()` (perf-baseline.md, "Where the time
// goes"). Every typed node (Profile, Image, Achievement, Alignment, ...) applies a type-scoped
// `@protected` context; jsonld then deep-clones the whole active context, *including its
// `previousContext` chain*, and `revertToPreviousContext()` deep-clones it again for every nested
// node. jsonld.js#414 ("Test performance of active context clone fix") has been open since 2020.
//
// What: jsonld.js already treats an active context as immutable once built: `context.process()`
// clones before it defines a term (context.js: `rval = rval.clone()`), the processed-context cache
// hands the same object to many callers, and the scoped-context validation clones before processing
// (the fix for jsonld.js#394). In jsonld 9.0.0 the only code that writes a context's `mappings` or
// `protected` is `createTermDefinition`, and a term definition object is only written while that
// function builds it, synchronously. So a clone shares instead of copying:
//   - `mappings` and `protected`: the parent's, until `createTermDefinition` is about to write to the
//     clone; then the clone gets its own Map (over the same definition objects) and record;
//   - `previousContext`: the same object, and `revertToPreviousContext()` returns it as is.
// Every other field is copied exactly as jsonld 9.0.0 does (it does not copy `@direction` or
// `processingMode` either — we keep that, since the goal is byte-identical output, not a fix).
//
// How it is installed: every active context descends from jsonld's cached initial context, and a
// clone inherits `clone`/`revertToPreviousContext` from its parent. We replace those two methods on
// the cached initial contexts, wrap `getInitialContext` so an initial context created later (another
// processingMode) gets them too, and wrap `createTermDefinition`, which context.js always calls
// through its exports object. Nothing under node_modules is edited, so `npm ci` cannot drop the fix
// silently, and there is no patch file to keep in sync.
//
// Guard: it installs only on the exact jsonld version(s) it was checked against, with the stock
// method bodies and initial-context shape it replaces, with every write to `mappings`/`protected`
// inside createTermDefinition (checked on jsonld's source), and with one jsonld copy shared by
// @digitalbazaar/vc, jsonld-signatures and the eddsa-rdfc-2022 cryptosuite. Anything else throws at
// import time. After a jsonld upgrade: docs/performance.md, "Upgrading jsonld, or removing the
// speed-up".
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** jsonld versions whose lib/ was read and whose output was checked equal with this speed-up. */
export const VERIFIED_JSONLD_VERSIONS: readonly string[] = ["9.0.0"];

/** The shape of jsonld 9.0.0's active context (lib/context.js, getInitialContext / _cloneActiveContext). */
export interface ActiveContext {
  processingMode?: string;
  mappings: Map<string, unknown>;
  inverse: unknown;
  getInverse: () => unknown;
  clone: (this: ActiveContext) => ActiveContext;
  revertToPreviousContext: (this: ActiveContext) => ActiveContext;
  protected: Record<string, boolean>;
  previousContext?: ActiveContext;
  "@base"?: unknown;
  "@language"?: unknown;
  "@vocab"?: unknown;
}

type CreateTermDefinition = (options: { activeCtx: ActiveContext }) => void;

interface ContextModule {
  getInitialContext: (options: { processingMode?: string }) => ActiveContext;
  createTermDefinition: CreateTermDefinition;
}

/** What the guard looks at. */
export interface JsonldInternals {
  version: string;
  initialContext: ActiveContext;
  createTermDefinition: CreateTermDefinition;
  /** Source text of jsonld's lib/*.js, by file name. */
  librarySources: Map<string, string>;
}

const INITIAL_CONTEXT_KEYS = "processingMode,mappings,inverse,getInverse,clone,revertToPreviousContext,protected";
// Fragments of the stock method bodies this module replaces: if they change, so may the invariants.
const STOCK_CLONE_FRAGMENTS = ["util.clone(this.mappings)", "util.clone(this.protected)", "this.previousContext.clone()", "'@vocab' in this"];
const STOCK_REVERT_FRAGMENT = "return this.previousContext.clone()";
// Writes to a context's term map or protected record: all must be inside createTermDefinition.
const WRITES = [".mappings.set(", ".mappings.delete(", ".mappings.clear(", ".protected["];
// The processing modes jsonld.js can be asked for; their initial contexts are patched up front.
const KNOWN_PROCESSING_MODES = [undefined, "json-ld-1.0", "json-ld-1.1"];

// Counts shared clones, so tests and the benchmark can check that signing really goes through them.
let sharedClones = 0;
// Contexts whose `mappings` and `protected` are still their parent's.
const borrowed = new WeakSet<ActiveContext>();

/** Same fields, same order as jsonld 9.0.0's `_cloneActiveContext`; `mappings`/`protected` borrowed. */
function cloneSharingImmutableParts(this: ActiveContext): ActiveContext {
  sharedClones++;
  const child = {} as ActiveContext;
  child.mappings = this.mappings;
  child.clone = this.clone;
  child.inverse = null;
  child.getInverse = this.getInverse;
  child.protected = this.protected;
  if (this.previousContext) child.previousContext = this.previousContext;
  child.revertToPreviousContext = this.revertToPreviousContext;
  if ("@base" in this) child["@base"] = this["@base"];
  if ("@language" in this) child["@language"] = this["@language"];
  if ("@vocab" in this) child["@vocab"] = this["@vocab"];
  borrowed.add(child);
  return child;
}

/** Stock returns a deep clone of the previous context; nobody writes to it, so return it. */
function revertToSharedPreviousContext(this: ActiveContext): ActiveContext {
  return this.previousContext ?? this;
}

/** Gives a context its own `mappings` and `protected` before createTermDefinition writes to them. */
function ownBeforeWrite(context: ActiveContext): void {
  if (!borrowed.has(context)) return;
  const mappings = new Map<string, unknown>();
  context.mappings.forEach((definition, term) => mappings.set(term, definition)); // faster than new Map(map)
  context.mappings = mappings;
  context.protected = { ...context.protected };
  borrowed.delete(context);
}

export class JsonldSpeedupError extends Error {}

const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

/**
 * Throws JsonldSpeedupError unless jsonld is a verified version whose internals are still what this
 * module relies on. Exported for the guard's own test.
 */
export function checkJsonldForSpeedup(jsonld: JsonldInternals): void {
  const { version, initialContext: initial } = jsonld;
  if (!VERIFIED_JSONLD_VERSIONS.includes(version)) {
    throw new JsonldSpeedupError(`jsonld speed-up: jsonld ${version} is not verified (verified: ${VERIFIED_JSONLD_VERSIONS.join(", ")}). Check whether digitalbazaar/jsonld.js#414 is fixed, then follow docs/performance.md ("Upgrading jsonld") and update src/credentials/jsonld-speedup.ts`);
  }
  const problems: string[] = [];
  if (Object.keys(initial).join(",") !== INITIAL_CONTEXT_KEYS) problems.push(`initial context keys are ${Object.keys(initial).join(",")}`);
  const cloneSource = initial.clone.toString();
  for (const fragment of STOCK_CLONE_FRAGMENTS) if (!cloneSource.includes(fragment)) problems.push(`clone() no longer contains ${fragment}`);
  if (!initial.revertToPreviousContext.toString().includes(STOCK_REVERT_FRAGMENT)) problems.push("revertToPreviousContext() changed");
  const writer = jsonld.createTermDefinition.toString();
  for (const [file, source] of jsonld.librarySources) {
    for (const write of WRITES) {
      const outside = occurrences(source, write) - (file === "context.js" ? occurrences(writer, write) : 0);
      if (outside !== 0) problems.push(`${file} writes ${write} outside createTermDefinition`);
    }
    if (occurrences(source, "createTermDefinition(") !== occurrences(source, "api.createTermDefinition(")) problems.push(`${file} calls createTermDefinition directly`);
  }
  if (problems.length > 0) throw new JsonldSpeedupError(`jsonld speed-up: jsonld ${version} does not look like the version it was written for (${problems.join("; ")}); see docs/performance.md`);
}

// The jsonld directory each signing dependency would load; they must all be the same copy.
function jsonldDirectoryFor(specifier: string): string {
  const from = createRequire(fileURLToPath(import.meta.resolve(specifier)));
  return dirname(from.resolve("jsonld/package.json"));
}

function locateJsonld(): { directory: string; version: string } {
  const own = dirname(createRequire(import.meta.url).resolve("jsonld/package.json"));
  for (const user of ["@digitalbazaar/vc", "@digitalbazaar/eddsa-rdfc-2022-cryptosuite", "jsonld-signatures"]) {
    let theirs: string;
    try {
      theirs = jsonldDirectoryFor(user);
    } catch {
      continue; // jsonld-signatures may not be resolvable from here; the other two are enough
    }
    if (theirs !== own) throw new JsonldSpeedupError(`jsonld speed-up: ${user} uses its own jsonld copy (${theirs}), not ${own}; dedupe jsonld (npm dedupe) so the speed-up applies to signing`);
  }
  const version = (JSON.parse(readFileSync(join(own, "package.json"), "utf8")) as { version: string }).version;
  return { directory: own, version };
}

function readLibrarySources(directory: string): Map<string, string> {
  const lib = join(directory, "lib");
  return new Map(readdirSync(lib, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".js")).map((f) => [f, readFileSync(join(lib, f), "utf8")]));
}

// Each initial context has its own closures (they are created inside getInitialContext), so the stock
// methods are recognised by their source text.
const sourcesOf = (context: ActiveContext) => `${context.clone.toString()}\n${context.revertToPreviousContext.toString()}`;

let installed = false;

/**
 * Installs copy-on-write active contexts into the jsonld copy used for signing and verifying, in this
 * thread. Idempotent. Throws JsonldSpeedupError when jsonld is not what it was verified on.
 */
export function installJsonldSpeedup(): void {
  if (installed) return;
  const { directory, version } = locateJsonld();
  const contextModule = createRequire(import.meta.url)(join(directory, "lib", "context.js")) as ContextModule;
  const stockGetInitialContext = contextModule.getInitialContext;
  const stockCreateTermDefinition = contextModule.createTermDefinition;
  const first = stockGetInitialContext({});
  checkJsonldForSpeedup({ version, initialContext: first, createTermDefinition: stockCreateTermDefinition, librarySources: readLibrarySources(directory) });

  const stockSources = sourcesOf(first);
  const patched = new WeakSet<ActiveContext>();
  const patch = (context: ActiveContext): ActiveContext => {
    if (patched.has(context)) return context;
    if (sourcesOf(context) !== stockSources) throw new JsonldSpeedupError("jsonld speed-up: an initial context has unexpected clone methods");
    patched.add(context);
    context.clone = cloneSharingImmutableParts;
    context.revertToPreviousContext = revertToSharedPreviousContext;
    return context;
  };
  for (const processingMode of KNOWN_PROCESSING_MODES) patch(stockGetInitialContext({ processingMode }));
  // context.js calls `api.getInitialContext`; jsonld.js keeps its own reference from load time and
  // reaches the cached (already patched) objects for the known modes. There is no uninstall: jsonld
  // caches processed contexts across calls, so a stock comparison needs a process that never
  // installed this (test/fixtures/sign-corpus-stock.ts, bench/stock-sign.ts).
  contextModule.getInitialContext = (options) => patch(stockGetInitialContext(options));
  contextModule.createTermDefinition = (options) => {
    ownBeforeWrite(options.activeCtx);
    return stockCreateTermDefinition(options);
  };
  installed = true;
}

/** Whether the speed-up is installed, and how many active contexts it has cloned in this thread. */
export function jsonldSpeedupStatus(): { installed: boolean; sharedClones: number } {
  return { installed, sharedClones };
}
