import type { Actor, AuditService } from "../audit/audit.service.ts";
import type { ApiTokenRow, Db, IssuerRow } from "../db/database.ts";
import { isoNow, type Clock } from "../shared/clock.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { hashToken, newId, randomToken } from "../shared/tokens.ts";
import * as repo from "./tokens.repository.ts";

/** What an API token may do. */
export const SCOPES = ["templates", "award", "federation", "read"] as const;
export type Scope = (typeof SCOPES)[number];

/** An authenticated API caller. */
export interface ApiPrincipal {
  token: ApiTokenRow;
  issuerId: string;
  scopes: Set<string>;
}

/** API tokens for information systems: hashed at rest, shown once, revocable. */
export function createTokensService(deps: { db: Db; clock: Clock; audit: AuditService }) {
  const { db, clock, audit } = deps;
  return {
    /** Creates a token; the returned secret is never shown again. */
    async create(actor: Actor, issuer: IssuerRow, name: string, scopes: string[]): Promise<Result<{ token: string; row: ApiTokenRow }, { unknownScopes: string[] }>> {
      const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
      if (unknown.length || scopes.length === 0) return err({ unknownScopes: unknown.length ? unknown : ["(none)"] });
      const secret = randomToken();
      const prefix = secret.slice(0, 8);
      const token = `fbt_${secret}`;
      const row: ApiTokenRow = {
        id: newId(), issuer_id: issuer.id, name: name.trim().slice(0, 120) || "token", token_hash: hashToken(token), prefix,
        scopes: [...new Set(scopes)].join(" "), created_by: actor.userId, created_at: isoNow(clock), last_used_at: null, revoked_at: null,
      };
      await db.transaction().execute(async (tx) => {
        await repo.insertApiToken(tx, row);
        await audit.record(actor, { action: "token.create", objectType: "api_token", objectId: row.id, issuerId: issuer.id, details: { name: row.name, scopes: row.scopes } }, tx);
      });
      return ok({ token, row });
    },

    /** The principal behind a bearer token, or null. */
    async authenticate(bearer: string): Promise<ApiPrincipal | null> {
      const row = await repo.findLiveApiToken(db, hashToken(bearer.trim()));
      if (!row) return null;
      await repo.touchApiToken(db, row.id, isoNow(clock));
      return { token: row, issuerId: row.issuer_id, scopes: new Set(row.scopes.split(" ")) };
    },

    list: (issuerId: string) => repo.listApiTokens(db, issuerId),

    async revoke(actor: Actor, issuer: IssuerRow, id: string): Promise<boolean> {
      const done = await repo.revokeApiToken(db, issuer.id, id, isoNow(clock));
      if (done) await audit.record(actor, { action: "token.revoke", objectType: "api_token", objectId: id, issuerId: issuer.id });
      return done;
    },
  };
}

export type TokensService = ReturnType<typeof createTokensService>;
