import type { Db } from "../db/database.ts";
import { EPPN_TYPE } from "../sso/recipient-type.ts";
import type { IssuedType } from "./issued-credentials.ts";

// The staff list of a template's issued credentials: who each was issued to (identity type and
// value), and, for an award line, the contact address the award e-mail went to.

/** One line of the staff list. */
export interface IssuedCredential {
  id: string;
  recipient: string | null;
  recipient_type: string;
  recipient_name: string | null;
  contact_email: string | null;
  status: string;
  created_at: string;
}

/** A template's credentials, newest first, optionally of one recipient type (at most `limit`). */
export function listIssuedCredentials(db: Db, achievementId: string, type: IssuedType | null, limit: number): Promise<IssuedCredential[]> {
  let q = db.selectFrom("credentials as c").leftJoin("award_items as i", "i.id", "c.award_item_id")
    .select(["c.id", "c.recipient", "c.recipient_type", "c.recipient_name", "i.contact_email", "c.status", "c.created_at"])
    .where("c.achievement_id", "=", achievementId);
  if (type === "email") q = q.where("c.recipient_type", "=", "emailAddress");
  else if (type === "eppn") q = q.where("c.recipient_type", "=", EPPN_TYPE);
  else if (type === "other") q = q.where("c.recipient_type", "not in", ["emailAddress", EPPN_TYPE]);
  return q.orderBy("c.created_at", "desc").orderBy("c.id").limit(limit).execute();
}
