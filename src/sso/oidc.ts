import * as client from "openid-client";
import { isLoopbackOrigin } from "../config/config.schema.ts";
import type { OidcProviderConfig } from "../config/sso.schema.ts";
import { err, ok, type Result } from "../shared/result.ts";

/** What must survive the trip to the provider: kept sealed in a short-lived cookie of the browser that left. */
export interface OidcFlow {
  provider: string;
  state: string;
  nonce: string;
  verifier: string;
  next: string;
  expiresAt: number;
}

export type OidcFailure =
  | { kind: "provider-unreachable"; detail: string }
  | { kind: "provider-error"; detail: string }
  | { kind: "invalid-response"; detail: string };

export type OidcClient = ReturnType<typeof createOidcClient>;

/**
 * A relying party for one provider: authorization code + PKCE (S256), state and nonce. The
 * provider's metadata comes from discovery, once, and is fetched again after a failure.
 */
export function createOidcClient(p: OidcProviderConfig, redirectUri: string) {
  // openid-client refuses http issuers unless told; only loopback test providers may use it.
  const insecure = p.issuer.startsWith("http://") && isLoopbackOrigin(p.issuer);
  let config: Promise<client.Configuration> | null = null;
  const discover = () => (config ??= client.discovery(new URL(p.issuer), p.clientId, p.clientSecret, p.clientSecret ? undefined : client.None(), {
    execute: insecure ? [client.allowInsecureRequests] : [], timeout: 10,
  }).catch((e: unknown) => { config = null; throw e; }));

  return {
    id: p.id,
    label: p.label,

    /** The provider's authorization URL and the flow to keep until the callback. */
    async begin(next: string, ttlMs: number, now: Date): Promise<Result<{ url: string; flow: OidcFlow }, OidcFailure>> {
      let conf: client.Configuration;
      try {
        conf = await discover();
      } catch (e) {
        return err({ kind: "provider-unreachable", detail: (e as Error).message });
      }
      const verifier = client.randomPKCECodeVerifier();
      const flow: OidcFlow = { provider: p.id, state: client.randomState(), nonce: client.randomNonce(), verifier, next, expiresAt: now.getTime() + ttlMs };
      const url = client.buildAuthorizationUrl(conf, {
        redirect_uri: redirectUri, scope: p.scopes.join(" "), state: flow.state, nonce: flow.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256",
      });
      return ok({ url: url.href, flow });
    },

    /** Exchanges the code of the callback URL and returns the ID token claims merged with userinfo. */
    async finish(callbackUrl: URL, flow: OidcFlow): Promise<Result<{ subject: string; claims: Record<string, unknown> }, OidcFailure>> {
      const providerError = callbackUrl.searchParams.get("error");
      if (providerError) return err({ kind: "provider-error", detail: `${providerError}: ${callbackUrl.searchParams.get("error_description") ?? ""}`.trim() });
      try {
        const conf = await discover();
        const tokens = await client.authorizationCodeGrant(conf, callbackUrl, {
          pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce, idTokenExpected: true,
        });
        const idClaims = tokens.claims()!;
        const info = await client.fetchUserInfo(conf, tokens.access_token, idClaims.sub);
        return ok({ subject: idClaims.sub, claims: { ...idClaims, ...info } });
      } catch (e) {
        return err({ kind: "invalid-response", detail: (e as Error).message });
      }
    },
  };
}
