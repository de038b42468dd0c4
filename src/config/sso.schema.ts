import { z } from "zod";
import { isLoopbackHost } from "./loopback.ts";

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "must be lower-case letters, digits and dashes (at most 40)");
const names = z.array(z.string().min(1)).min(1);

/** Which attribute or claim names feed each field of a federated profile (the first present wins). */
export const attributeMapSchema = z.strictObject({
  eppn: names.optional(),
  subjectId: names.optional(),
  pairwiseId: names.optional(),
  email: names.optional(),
  emailVerified: names.optional(),
  displayName: names.optional(),
  givenName: names.optional(),
  surname: names.optional(),
  affiliation: names.optional(),
  scopedAffiliation: names.optional(),
  homeOrganization: names.optional(),
});

const oidcProvider = z.strictObject({
  id,
  issuer: z.url({ protocol: /^https?$/, error: "must be the provider's issuer URL" }),
  clientId: z.string().min(1),
  // Only from the environment (FRANCEBADGE_SSO_OIDC_<ID>_CLIENT_SECRET): refused in node.config.ts.
  clientSecret: z.string().min(1).optional(),
  scopes: z.array(z.string().min(1)).default(["openid", "email", "profile"]),
  label: z.string().min(1),
  attributeMap: attributeMapSchema.optional(),
});

const samlIdp = z.strictObject({
  id,
  metadataPath: z.string().min(1).optional(),
  metadataUrl: z.url({ protocol: /^https?$/ }).optional(),
  label: z.string().min(1).optional(),
}).refine((v) => !!v.metadataPath !== !!v.metadataUrl, "give exactly one of metadataPath or metadataUrl");

const roleRule = z.strictObject({
  affiliation: z.string().min(1),
  homeOrganization: z.string().min(1).optional(),
  issuer: z.string().min(1),
  role: z.enum(["admin", "creator", "awarder", "jury", "viewer"]),
});

/** sso: OpenID Connect providers, the SAML service provider and its IdPs, attribute mapping, role rules. */
export const ssoSchema = z.strictObject({
  oidc: z.array(oidcProvider).default([]),
  saml: z.strictObject({
    // Defaults to <origin>/auth/saml/metadata, the URL the metadata is served at.
    spEntityId: z.string().min(1).optional(),
    spPrivateKeyPath: z.string().min(1).optional(),
    spCertPath: z.string().min(1).optional(),
    idps: z.array(samlIdp).default([]),
    federationMetadataPath: z.string().min(1).optional(),
    federationCertPath: z.string().min(1).optional(),
    requireEncryption: z.boolean().default(false),
  }).prefault({}),
  attributeMap: attributeMapSchema.prefault({}),
  roleRules: z.array(roleRule).default([]),
  // false: staff (anyone holding a role in an issuer, node administrators excepted) must use SSO.
  staffPasswordLogin: z.boolean().default(true),
}).prefault({});

export type SsoConfig = z.output<typeof ssoSchema>;
export type AttributeMapConfig = z.output<typeof attributeMapSchema>;
export type OidcProviderConfig = SsoConfig["oidc"][number];
export type SamlIdpConfig = SsoConfig["saml"]["idps"][number];
export type RoleRule = SsoConfig["roleRules"][number];

/** Cross-field checks of the sso section; problems are "sso.…: message" lines. */
export function ssoProblems(sso: SsoConfig): string[] {
  const problems: string[] = [];
  const saml = sso.saml;
  if ((saml.idps.length > 0 || saml.federationMetadataPath) && (!saml.spPrivateKeyPath || !saml.spCertPath))
    problems.push("sso.saml: spPrivateKeyPath and spCertPath are required when SAML IdPs or a federation are configured");
  if (!!saml.federationMetadataPath !== !!saml.federationCertPath)
    problems.push("sso.saml: federationMetadataPath needs federationCertPath (the federation's signing certificate), and the reverse");
  for (const p of sso.oidc) {
    const host = new URL(p.issuer).hostname;
    if (p.issuer.startsWith("http://") && !isLoopbackHost(host))
      problems.push(`sso.oidc: the issuer of "${p.id}" must use https:// (plain http only on loopback, for tests)`);
  }
  for (const list of [sso.oidc.map((p) => p.id), saml.idps.map((p) => p.id)]) {
    const dup = list.find((v, i) => list.indexOf(v) !== i);
    if (dup) problems.push(`sso: the provider id "${dup}" is used twice`);
  }
  return problems;
}

/** Makes every file path of the sso section absolute (relative paths start at the config's folder). */
export function resolveSsoPaths(sso: SsoConfig, absolute: (path: string) => string): SsoConfig {
  const opt = (p: string | undefined) => (p === undefined ? undefined : absolute(p));
  const saml = sso.saml;
  return {
    ...sso,
    saml: {
      ...saml,
      spPrivateKeyPath: opt(saml.spPrivateKeyPath), spCertPath: opt(saml.spCertPath),
      federationMetadataPath: opt(saml.federationMetadataPath), federationCertPath: opt(saml.federationCertPath),
      idps: saml.idps.map((idp) => ({ ...idp, metadataPath: opt(idp.metadataPath) })),
    },
  };
}
