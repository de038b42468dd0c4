import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/env.ts";
import type { ApiPrincipal, Scope, TokensService } from "../tokens/tokens.service.ts";
import { apiErrors } from "./api-response.ts";

// RFC 6750 §3: a 401 names the scheme; a 403 for a missing scope says so in WWW-Authenticate.
const CHALLENGE = 'Bearer realm="francebadge"';

/** The bearer token of a request: undefined when absent, null when the header is not a bearer token. */
function bearerOf(c: Context): string | null | undefined {
  const header = c.req.header("Authorization");
  if (header === undefined) return undefined;
  const m = /^Bearer\s+(\S{1,200})\s*$/i.exec(header);
  return m ? m[1]! : null;
}

/** The API caller set by `apiAuth`, or null for an anonymous request. */
export function principalOf(c: Context<AppEnv>): ApiPrincipal | null {
  return (c.get("api") as ApiPrincipal | undefined) ?? null;
}

/** API authentication: `optional` reads a token if one is sent, `require(scope)` insists on one with that scope. */
export function apiAuth(tokens: TokensService) {
  const unauthorized = (c: Context<AppEnv>) => {
    c.header("WWW-Authenticate", `${CHALLENGE}, error="invalid_token"`);
    return apiErrors(c, 401, { _token: "api.unauthorized" });
  };

  // Sets the principal and the audit actor ("api-token:<prefix>"); answers 401 itself on a bad token.
  async function identify(c: Context<AppEnv>): Promise<Response | "anonymous" | "ok"> {
    const bearer = bearerOf(c);
    if (bearer === undefined) return "anonymous";
    const principal = bearer ? await tokens.authenticate(bearer) : null;
    if (!principal) return unauthorized(c);
    c.set("api", principal);
    c.set("actor", { userId: null, label: `api-token:${principal.token.prefix}`, ip: c.get("ip") });
    return "ok";
  }

  const optional: MiddlewareHandler<AppEnv> = async (c, next) => {
    const outcome = await identify(c);
    if (outcome instanceof Response) return outcome;
    await next();
  };

  const require = (scope: Scope): MiddlewareHandler<AppEnv> => async (c, next) => {
    const outcome = await identify(c);
    if (outcome instanceof Response) return outcome;
    if (outcome === "anonymous") {
      c.header("WWW-Authenticate", CHALLENGE);
      return apiErrors(c, 401, { _token: "api.unauthorized" });
    }
    if (!principalOf(c)!.scopes.has(scope)) {
      c.header("WWW-Authenticate", `${CHALLENGE}, error="insufficient_scope", scope="${scope}"`);
      return apiErrors(c, 403, { _token: "api.forbiddenScope" }, { scope });
    }
    await next();
  };

  return { optional, require };
}
