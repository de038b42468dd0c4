// The shape of a received EndorsementCredential, checked before it is stored (and so before it can be
// embedded in credentials we sign): the official OB 3.0 JSON Schema when the operator installed it,
// the fields no endorsement can lack in any case.
import { checkSchema, checkStructure } from "../verification/checks/structure.ts";
import type { SchemaSet } from "../verification/json-schemas.ts";

/** Tells why a received endorsement is malformed (null when it is well formed). */
export type EndorsementShapeCheck = (vc: Record<string, unknown>) => string | null;

const REQUIRED = ["id", "name", "issuer", "credentialSubject", "validFrom", "proof"] as const;

/** The check, with the schemas when installed (verification.schemasDir) and the required fields always. */
export function createEndorsementShapeCheck(schemas: SchemaSet | null): EndorsementShapeCheck {
  return (vc) => {
    const missing = REQUIRED.filter((field) => vc[field] === undefined || vc[field] === null || vc[field] === "");
    if (missing.length) return `missing ${missing.join(", ")}`;
    const subject = vc.credentialSubject as { id?: unknown } | unknown[];
    if (Array.isArray(subject) || typeof subject !== "object" || typeof subject.id !== "string") return "credentialSubject must be one object with an id";
    const structure = checkStructure(vc);
    if (structure.status === "fail") return `missing ${String(structure.message.params?.fields ?? "fields")}`;
    const schema = checkSchema(vc, schemas);
    // "warn" is the compact JSON-LD form (a single proof for a one-element array), accepted by 1EdTech's validator too.
    return schema.status === "fail" ? `schema: ${String(schema.message.params?.errors ?? "invalid")}` : null;
  };
}
