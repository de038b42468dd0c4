import { readFileSync } from "node:fs";
import { getLogger } from "@logtape/logtape";
import type { SamlIdpConfig, SsoConfig } from "../config/sso.schema.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { describeFederationError, loadFederation } from "./discovery.ts";
import { createOidcClient, type OidcClient } from "./oidc.ts";
import type { SpSettings } from "./saml.ts";
import { parseIdpMetadata, type IdpDescriptor } from "./saml-metadata.ts";

const log = getLogger(["francebadge", "sso"]);

/** An IdP the operator listed in sso.saml.idps; its metadata is read once (a URL on first use). */
export interface ConfiguredIdp {
  id: string;
  label: string;
  load(): Promise<Result<IdpDescriptor, string>>;
}

/** Everything SSO needs at run time, built once from the config. */
export interface SsoSetup {
  oidc: Map<string, OidcClient>;
  sp: SpSettings | null;
  idps: Map<string, ConfiguredIdp>;
  federation: IdpDescriptor[];
  /** Why the federation aggregate was refused (logged at start), or null. */
  federationProblem: string | null;
}

/** Routes of SSO, also listed in the SP metadata and registered at providers. */
export const ssoPaths = {
  oidcCallback: (id: string) => `/auth/oidc/${id}/callback`,
  acs: "/auth/saml/acs",
  metadata: "/auth/saml/metadata",
};

function configuredIdp(c: SamlIdpConfig, fetchText: (url: string) => Promise<string>): ConfiguredIdp {
  let cached: Promise<Result<IdpDescriptor, string>> | null = null;
  const read = async (): Promise<Result<IdpDescriptor, string>> => {
    try {
      const xml = c.metadataPath ? readFileSync(c.metadataPath, "utf8") : await fetchText(c.metadataUrl!);
      return ok(parseIdpMetadata(xml));
    } catch (e) {
      log.error("SAML IdP {id}: metadata {source} refused: {error}", { id: c.id, source: c.metadataPath ?? c.metadataUrl, error: (e as Error).message });
      return err((e as Error).message);
    }
  };
  return {
    id: c.id, label: c.label ?? c.id,
    // A failure is not cached: the next login tries again (the URL may come back).
    load: () => (cached ??= read().then((r) => { if (!r.ok) cached = null; return r; })),
  };
}

async function fetchText(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`HTTP ${res.status} from ${url}`);
  return res.text();
}

// The SP key pair is the operator's own file: a wrong path stops the start with the setting's name.
function readSetting(setting: string, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`${setting}: cannot read ${path} (${(e as Error).message})`, { cause: e });
  }
}

function readSp(sso: SsoConfig, origin: string): SpSettings | null {
  const s = sso.saml;
  if (!s.spPrivateKeyPath || !s.spCertPath) return null;
  return {
    entityId: s.spEntityId ?? origin + ssoPaths.metadata, acsUrl: origin + ssoPaths.acs, requireEncryption: s.requireEncryption,
    privateKey: readSetting("sso.saml.spPrivateKeyPath", s.spPrivateKeyPath), cert: readSetting("sso.saml.spCertPath", s.spCertPath),
  };
}

/** Reads keys and metadata files; a federation aggregate that fails its checks is refused and logged. */
export function loadSsoSetup(sso: SsoConfig, origin: string, now: Date, fetcher: (url: string) => Promise<string> = fetchText): SsoSetup {
  const oidc = new Map(sso.oidc.map((p) => [p.id, createOidcClient(p, origin + ssoPaths.oidcCallback(p.id))] as const));
  const idps = new Map(sso.saml.idps.map((c) => [c.id, configuredIdp(c, fetcher)] as const));
  let federation: IdpDescriptor[] = [];
  let federationProblem: string | null = null;
  const { federationMetadataPath: metaPath, federationCertPath: certPath } = sso.saml;
  if (metaPath && certPath) {
    const loaded = loadFederation(metaPath, certPath, now);
    if (loaded.ok) {
      federation = loaded.value;
      log.info("Federation metadata {path}: {count} identity providers", { path: metaPath, count: federation.length });
    } else {
      federationProblem = `federation metadata ${metaPath} ${describeFederationError(loaded.error)}`;
      log.error("Refused: {problem}", { problem: federationProblem });
    }
  }
  return { oidc, sp: readSp(sso, origin), idps, federation, federationProblem };
}
