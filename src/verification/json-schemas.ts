import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2019, type ValidateFunction } from "ajv/dist/2019.js";
import addFormatsModule from "ajv-formats";

// No npm package ships the OB 3.0 JSON Schemas (ob3.md §5.1, §6): the operator points
// verification.schemasDir at a folder holding the official files (gh-pages docs/schema/*.json).

/** The official schema URL a credential references, and the file name it is published under. */
const SCHEMAS = {
  achievement: { url: "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json", file: "ob_v3p0_achievementcredential_schema.json" },
  endorsement: { url: "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json", file: "ob_v3p0_endorsementcredential_schema.json" },
} as const;

export type SchemaKind = keyof typeof SCHEMAS;

/** One schema's verdict: the first few errors as JSON pointers with Ajv's words. */
export interface SchemaOutcome {
  valid: boolean;
  schemaUrl: string;
  errors: string[];
  /** Where a single value stood for a one-element array (the JSON-LD compact form the plain-JSON schema refuses). */
  arrayPaths: string[];
}

/** The official OB 3.0 schemas, compiled on first use. */
export interface SchemaSet {
  validate(kind: SchemaKind, document: unknown): SchemaOutcome;
  /** The kind whose official URL this is, if any (credentialSchema entries). */
  kindOf(url: string): SchemaKind | null;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv2019) => void;

/** Loads the schema set from a folder, or null when the folder (or a file) is missing. */
export function loadSchemaSet(dir: string | null | undefined): SchemaSet | null {
  if (!dir || !Object.values(SCHEMAS).every((s) => existsSync(join(dir, s.file)))) return null;
  const compiled = new Map<SchemaKind, ValidateFunction>();

  function validator(kind: SchemaKind): ValidateFunction {
    let fn = compiled.get(kind);
    if (!fn) {
      // strict: false — the official files carry keywords Ajv's strict mode rejects (ob3.md §5.2 item 5).
      const ajv = new Ajv2019({ allErrors: true, strict: false });
      addFormats(ajv);
      const schema = JSON.parse(readFileSync(join(dir!, SCHEMAS[kind].file), "utf8")) as Record<string, unknown>;
      // The files' $id reads "…-jsonschema1.json" while credentials reference "…_schema.json" (ob3.md §5.4 item 11).
      fn = ajv.compile({ ...schema, $id: SCHEMAS[kind].url });
      compiled.set(kind, fn);
    }
    return fn;
  }

  return {
    validate(kind, document) {
      const fn = validator(kind);
      const valid = fn(document) as boolean;
      const all = fn.errors ?? [];
      const errors = all.slice(0, 5).map((e) => `${e.instancePath || "/"} ${e.message ?? "invalid"}`);
      const arrayPaths = [...new Set(all.filter((e) => e.keyword === "type" && (e.params as { type?: string }).type === "array").map((e) => e.instancePath))];
      return { valid, schemaUrl: SCHEMAS[kind].url, errors, arrayPaths };
    },
    kindOf(url) {
      const found = (Object.keys(SCHEMAS) as SchemaKind[]).find((k) => SCHEMAS[k].url === url);
      return found ?? null;
    },
  };
}
