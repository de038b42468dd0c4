import { getLogger } from "@logtape/logtape";
import type { AuditService } from "../audit/audit.service.ts";
import type { Db, UserRow } from "../db/database.ts";
import { isoIn, isoNow, type Clock } from "../shared/clock.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { open, seal } from "../shared/secret-box.ts";
import { mapProfile, type AttributeMap, type FederatedProfile } from "./attribute-mapping.ts";
import { searchInstitutions, type Institution } from "./discovery.ts";
import type { OidcFlow } from "./oidc.ts";
import { authorizeUrl, peekResponse, spMetadata, validateResponse, type SamlFailure } from "./saml.ts";
import type { IdpDescriptor } from "./saml-metadata.ts";
import type { AccountFailure, SsoAccounts } from "./sso-accounts.ts";
import type { SsoSetup } from "./sso-setup.ts";
import * as repo from "./sso.repository.ts";

const log = getLogger(["francebadge", "sso"]);
const FLOW_TTL_MS = 10 * 60_000;
const REQUEST_TTL_MS = 15 * 60_000;

export type LoginFailure =
  | { kind: "unknown-provider" | "provider-unavailable" | "flow-missing" | "provider-error" | "missing-identifier" | AccountFailure | SamlFailure; detail?: string };

export interface LoginDone { sessionToken: string; next: string; user: UserRow; created: boolean }
export interface RequestMeta { ip: string | null; userAgent: string | null; previousSession?: string | null }

export interface SsoDeps {
  db: Db;
  clock: Clock;
  secret: string;
  setup: SsoSetup;
  accounts: SsoAccounts;
  samlMap: AttributeMap;
  oidcMaps: ReadonlyMap<string, AttributeMap>;
  staffPasswordLogin: boolean;
  startSession(userId: string, ip: string | null, userAgent: string | null): Promise<string>;
  endSession(token: string): Promise<unknown>;
  membershipsOf(userId: string): Promise<unknown[]>;
  audit: Pick<AuditService, "record">;
}

/** Single sign-on: OpenID Connect and SAML logins, ending in a session of a linked or new account. */
export function createSsoService(deps: SsoDeps) {
  const { db, clock, setup } = deps;

  async function complete(profile: Result<FederatedProfile, "missing-identifier">, next: string, meta: RequestMeta): Promise<Result<LoginDone, LoginFailure>> {
    if (!profile.ok) return err({ kind: "missing-identifier" });
    const account = await deps.accounts.resolve(profile.value, meta.ip);
    if (!account.ok) return err({ kind: account.error });
    // A new session, never the one the browser came with (session fixation).
    if (meta.previousSession) await deps.endSession(meta.previousSession);
    const sessionToken = await deps.startSession(account.value.user.id, meta.ip, meta.userAgent);
    log.info("SSO login of {email} through {provider}", { email: account.value.user.email, provider: profile.value.provider });
    const who = { userId: account.value.user.id, label: account.value.user.email, ip: meta.ip };
    await deps.audit.record(who, { action: "auth.login", objectType: "user", objectId: who.userId, details: { method: "sso", provider: profile.value.provider } });
    return ok({ sessionToken, next, ...account.value });
  }

  /** The IdP a stored request was sent to: one the operator configured, else one of the federation. */
  async function idpByEntityId(entityId: string): Promise<IdpDescriptor | undefined> {
    for (const c of setup.idps.values()) {
      const loaded = await c.load();
      if (loaded.ok && loaded.value.entityId === entityId) return loaded.value;
    }
    return setup.federation.find((i) => i.entityId === entityId);
  }

  async function chooseIdp(choice: { idp?: string; entityId?: string }): Promise<Result<IdpDescriptor, LoginFailure>> {
    const configured = choice.idp ? setup.idps.get(choice.idp) : undefined;
    if (configured) {
      const loaded = await configured.load();
      return loaded.ok ? loaded : err({ kind: "provider-unavailable", detail: loaded.error });
    }
    const found = choice.entityId ? await idpByEntityId(choice.entityId) : undefined;
    return found ? ok(found) : err({ kind: "unknown-provider" });
  }

  return {
    /** Buttons of the login page. */
    loginOptions() {
      return {
        oidc: [...setup.oidc.values()].map((p) => ({ id: p.id, label: p.label })),
        saml: setup.sp ? [...setup.idps.values()].map((i) => ({ id: i.id, label: i.label })) : [],
        discovery: !!setup.sp && setup.federation.length > 0,
      };
    },

    /** Starts an OIDC login: the provider URL and the sealed flow for the browser's cookie. */
    async startOidc(providerId: string, next: string): Promise<Result<{ url: string; flowCookie: string }, LoginFailure>> {
      const p = setup.oidc.get(providerId);
      if (!p) return err({ kind: "unknown-provider" });
      const begun = await p.begin(next, FLOW_TTL_MS, clock.now());
      if (!begun.ok) return err({ kind: "provider-unavailable", detail: begun.error.detail });
      return ok({ url: begun.value.url, flowCookie: seal(deps.secret, "oidc-flow", JSON.stringify(begun.value.flow)) });
    },

    /** Ends an OIDC login at the callback. */
    async finishOidc(providerId: string, callbackUrl: URL, flowCookie: string | undefined, meta: RequestMeta): Promise<Result<LoginDone, LoginFailure>> {
      const p = setup.oidc.get(providerId);
      if (!p) return err({ kind: "unknown-provider" });
      let flow: OidcFlow | null = null;
      try { flow = flowCookie ? (JSON.parse(open(deps.secret, "oidc-flow", flowCookie)) as OidcFlow) : null; } catch { flow = null; }
      if (!flow || flow.provider !== providerId || flow.expiresAt < clock.now().getTime()) return err({ kind: "flow-missing" });
      const done = await p.finish(callbackUrl, flow);
      if (!done.ok) {
        log.warn("OIDC login through {provider} refused: {detail}", { provider: providerId, detail: done.error.detail });
        return err({ kind: done.error.kind === "provider-error" ? "provider-error" : "invalid-response", detail: done.error.detail });
      }
      const map = deps.oidcMaps.get(providerId)!;
      const profile = mapProfile(done.value.claims, { provider: `oidc:${providerId}`, map, scopes: null, oidcSubject: done.value.subject, emailTrusted: false });
      return complete(profile, flow.next, meta);
    },

    /** Starts a SAML login at a configured IdP (`idp`) or a federation one (`entityId`, as discovery services return it). */
    async startSaml(choice: { idp?: string; entityId?: string }, next: string): Promise<Result<{ url: string }, LoginFailure>> {
      if (!setup.sp) return err({ kind: "unknown-provider" });
      const idp = await chooseIdp(choice);
      if (!idp.ok) return idp;
      const store = {
        save: (id: string, createdAt: string) => repo.insertSamlRequest(db, { id, idp_entity_id: idp.value.entityId, next, created_at: createdAt }),
        openSince: async () => null,
      };
      return ok({ url: await authorizeUrl(setup.sp, idp.value, store) });
    },

    /** Checks the SAMLResponse posted to the ACS and signs the person in. */
    async finishSaml(samlResponse: string, meta: RequestMeta): Promise<Result<LoginDone, LoginFailure>> {
      if (!setup.sp) return err({ kind: "unknown-provider" });
      const peek = peekResponse(samlResponse);
      const since = isoIn(clock, -REQUEST_TTL_MS);
      const request = peek.inResponseTo ? await repo.findOpenSamlRequest(db, peek.inResponseTo, since) : undefined;
      if (!request) return err({ kind: "unsolicited", detail: `no open request ${peek.inResponseTo ?? "(none)"}` });
      const idp = await idpByEntityId(request.idp_entity_id);
      if (!idp || (peek.issuer && peek.issuer !== idp.entityId)) return err({ kind: "unknown-idp", detail: `response from ${peek.issuer}` });
      const store = { save: async () => {}, openSince: async (id: string) => (await repo.findOpenSamlRequest(db, id, since))?.created_at ?? null };
      const checked = await validateResponse(setup.sp, idp, store, samlResponse);
      if (!checked.ok) {
        log.warn("SAML response from {idp} refused ({kind}): {detail}", { idp: idp.entityId, ...checked.error });
        return err(checked.error);
      }
      // Atomic: of two copies of one response posted at once, only the first gets past here.
      if (!(await repo.markSamlRequestUsed(db, checked.value.inResponseTo, isoNow(clock)))) return err({ kind: "unsolicited", detail: "replayed response" });
      const profile = mapProfile(checked.value.attributes, { provider: `saml:${idp.entityId}`, map: deps.samlMap, scopes: idp.scopes, emailTrusted: true });
      return complete(profile, request.next ?? "/", meta);
    },

    /** Our SAML SP metadata XML, or null when SAML is not configured. */
    spMetadata: () => (setup.sp ? spMetadata(setup.sp) : null),

    /** Institutions for the discovery page; `available` is false when the federation list was refused. */
    institutions(locale: string, query: string): { configured: Array<{ id: string; label: string }>; federation: Institution[]; available: boolean } {
      const configured = setup.sp ? [...setup.idps.values()].map((i) => ({ id: i.id, label: i.label })).filter((i) => i.label.toLowerCase().includes(query.trim().toLowerCase())) : [];
      return { configured, federation: searchInstitutions(setup.federation, locale, query), available: setup.federationProblem === null };
    },

    identifiersOf: (userId: string) => deps.accounts.identifiersOf(userId),

    /** Password login for this account, under sso.staffPasswordLogin (node administrators keep it: a way in when the IdP is down). */
    async passwordLoginAllowed(user: UserRow): Promise<boolean> {
      if (deps.staffPasswordLogin || user.is_node_admin === 1) return true;
      return (await deps.membershipsOf(user.id)).length === 0;
    },

    /** Forgets SAML requests older than a day. */
    purge: () => repo.deleteSamlRequestsBefore(db, isoIn(clock, -86_400_000)),
  };
}

export type SsoService = ReturnType<typeof createSsoService>;
