import { EPPN_TYPE } from "../sso/recipient-type.ts";

// The recipient types of the staff list of issued credentials: what it shows and filters on.

/** The recipient types the staff list filters on: e-mail, eppn, any other identity type. */
export const ISSUED_TYPES = ["email", "eppn", "other"] as const;
export type IssuedType = (typeof ISSUED_TYPES)[number];

/** The filter kind of a stored identity type. */
export function issuedTypeOf(recipientType: string): IssuedType {
  return recipientType === "emailAddress" ? "email" : recipientType === EPPN_TYPE ? "eppn" : "other";
}

/** A `?type=` query value as a filter (anything else: no filter). */
export function issuedTypeParam(value: string | undefined): IssuedType | null {
  return (ISSUED_TYPES as readonly string[]).includes(value ?? "") ? (value as IssuedType) : null;
}
