import type { Achievement } from "../achievements/achievements.service.ts";
import type { Actor } from "../audit/audit.service.ts";
import type { IssuerRow, UserRow } from "../db/database.ts";
import type { Locale, Translate } from "../i18n/i18n.ts";
import type { Role } from "../members/roles.ts";
import type { ApiPrincipal } from "../tokens/tokens.service.ts";

/** What middlewares put on the Hono context for routes and views. */
export interface AppEnv {
  Variables: {
    user: UserRow | null;
    sessionToken: string | null;
    locale: Locale;
    t: Translate;
    csrfToken: string;
    actor: Actor;
    ip: string | null;
    issuer: IssuerRow;
    roles: Set<Role>;
    api: ApiPrincipal;
    achievement: Achievement;
  };
}
