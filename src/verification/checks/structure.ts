import type { SchemaSet } from "../json-schemas.ts";
import { asArray, asObject, idOf, line, type Check } from "./check-types.ts";

export const VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1";
export const VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2";
const OB3_TYPES = ["OpenBadgeCredential", "AchievementCredential", "EndorsementCredential"];

/** True when a JSON object claims to be a verifiable credential (what the verifier then checks as OB 3.0). */
export function isVerifiableCredential(doc: Record<string, any>): boolean {
  return asArray(doc.type).includes("VerifiableCredential") || asArray(doc["@context"]).some((c) => c === VC_V1_CONTEXT || c === VC_V2_CONTEXT);
}

/** True for the VC 1.1 form (issuanceDate…), which OB 3.0 keeps "only for verification purposes". */
export function isVc11(doc: Record<string, any>): boolean {
  return asArray(doc["@context"])[0] === VC_V1_CONTEXT;
}

/** The required fields of an OB 3.0 credential (VC 2.0 or VC 1.1 form), checked whether or not the schemas are installed. */
export function checkStructure(doc: Record<string, any>): Check {
  const missing: string[] = [];
  const context = asArray(doc["@context"]);
  if (context[0] !== VC_V2_CONTEXT && context[0] !== VC_V1_CONTEXT) missing.push("@context[0]");
  if (!context.some((c) => typeof c === "string" && c.startsWith("https://purl.imsglobal.org/spec/ob/v3p0/context"))) missing.push("@context (OB 3.0)");
  const types = asArray(doc.type);
  if (!types.includes("VerifiableCredential")) missing.push("type VerifiableCredential");
  if (!types.some((t) => OB3_TYPES.includes(String(t)))) missing.push("type OpenBadgeCredential");
  if (!idOf(doc.issuer)) missing.push("issuer");
  if (!asObject(doc.credentialSubject)) missing.push("credentialSubject");
  if (isVc11(doc) ? !doc.issuanceDate : !doc.validFrom) missing.push(isVc11(doc) ? "issuanceDate" : "validFrom");
  if (missing.length) return line("structure", "fail", "verification.structure.missing", { fields: missing.join(", ") });
  return line("structure", "pass", isVc11(doc) ? "verification.structure.okVc11" : "verification.structure.ok", { type: String(types.find((t) => OB3_TYPES.includes(String(t)))) });
}

// Wraps the single values the plain-JSON schema wants as arrays (JSON-LD makes them equivalent).
function wrapPaths(doc: unknown, paths: string[]): unknown {
  const copy = structuredClone(doc) as Record<string, any>;
  for (const path of paths) {
    const parts = path.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
    const last = parts.pop();
    if (last === undefined) continue;
    const parent = parts.reduce<any>((node, key) => node?.[key], copy);
    if (parent && typeof parent === "object" && !Array.isArray(parent[last])) parent[last] = [parent[last]];
  }
  return copy;
}

/** Validates against the official OB 3.0 JSON Schema, when the schemas are installed. */
export function checkSchema(doc: Record<string, any>, schemas: SchemaSet | null): Check {
  if (!schemas) return line("schema", "skip", "verification.schema.notInstalled");
  if (isVc11(doc)) return line("schema", "warn", "verification.schema.vc11");
  const kind = asArray(doc.type).includes("EndorsementCredential") ? "endorsement" : "achievement";
  let outcome = schemas.validate(kind, doc);
  if (outcome.valid) return line("schema", "pass", "verification.schema.valid", { schema: outcome.schemaUrl });
  // 1EdTech's validator reports this case as a warning: the JSON-LD schema accepts it.
  const wrapped: string[] = [];
  for (let round = 0; round < 5 && !outcome.valid && outcome.arrayPaths.length; round++) {
    wrapped.push(...outcome.arrayPaths);
    outcome = schemas.validate(kind, wrapPaths(doc, wrapped));
  }
  if (outcome.valid) return line("schema", "warn", "verification.schema.compactForm", { paths: wrapped.join(", ") });
  return line("schema", "fail", "verification.schema.invalid", { schema: outcome.schemaUrl, errors: outcome.errors.join("; ") });
}
