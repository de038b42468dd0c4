import { describe, expect, it } from "vitest";
import { mapProfile, mergeMap, OIDC_DEFAULT_MAP, ruleMatches, SAML_DEFAULT_MAP } from "../../src/sso/attribute-mapping.ts";
import { recipientTypeFor } from "../../src/sso/recipient-type.ts";
import { resolveConfig } from "../../src/config/load-config.ts";

const saml = (raw: Record<string, unknown>, scopes: string[] | null = null, map = SAML_DEFAULT_MAP) =>
  mapProfile(raw, { provider: "saml:https://idp.example/idp", map, scopes, emailTrusted: true });

describe("attribute mapping", () => {
  it("reads the eduGAIN attributes by OID: eppn first, scoped affiliations split, given name + surname as a fallback name", () => {
    const r = saml({
      "urn:oid:1.3.6.1.4.1.5923.1.1.1.6": "Alice@Univ-AMU.fr", "urn:oasis:names:tc:SAML:attribute:subject-id": "123@univ-amu.fr",
      "urn:oid:0.9.2342.19200300.100.1.3": ["Alice.Martin@univ-amu.fr", "alice@etu.univ-amu.fr"],
      "urn:oid:2.5.4.42": "Alice", "urn:oid:2.5.4.4": "Martin",
      "urn:oid:1.3.6.1.4.1.5923.1.1.1.9": ["staff@univ-amu.fr", "member@univ-amu.fr"], "urn:oid:1.3.6.1.4.1.5923.1.1.1.1": "employee",
      "urn:oid:1.3.6.1.4.1.25178.1.2.9": "univ-amu.fr",
    });
    expect(r).toEqual({ ok: true, value: {
      provider: "saml:https://idp.example/idp", subjectType: "eppn", subject: "alice@univ-amu.fr", eppn: "alice@univ-amu.fr",
      email: "alice.martin@univ-amu.fr", emailVerified: true, displayName: "Alice Martin",
      affiliations: ["employee", "staff", "member"], scopedAffiliations: ["staff@univ-amu.fr", "member@univ-amu.fr"], homeOrganization: "univ-amu.fr",
    } });
  });

  it("falls back to subject-id, then pairwise-id; refuses a profile without any identifier", () => {
    const sub = saml({ "urn:oasis:names:tc:SAML:attribute:subject-id": "7f3a@univ.fr" });
    expect(sub.ok && [sub.value.subjectType, sub.value.subject]).toEqual(["subject-id", "7f3a@univ.fr"]);
    const pw = saml({ "urn:oasis:names:tc:SAML:attribute:pairwise-id": "HTD9@univ.fr" });
    expect(pw.ok && [pw.value.subjectType, pw.value.subject]).toEqual(["pairwise-id", "HTD9@univ.fr"]);
    expect(saml({ "urn:oid:0.9.2342.19200300.100.1.3": "a@univ.fr" })).toEqual({ ok: false, error: "missing-identifier" });
  });

  it("keeps only values in the IdP's declared scopes, and trusts e-mail only in those domains", () => {
    const r = saml({
      "urn:oid:1.3.6.1.4.1.5923.1.1.1.6": "bob@other.fr", "urn:oasis:names:tc:SAML:attribute:subject-id": "b1@univ.fr",
      "urn:oid:1.3.6.1.4.1.5923.1.1.1.9": ["staff@other.fr", "student@univ.fr"], "urn:oid:1.3.6.1.4.1.25178.1.2.9": "other.fr",
      "urn:oid:0.9.2342.19200300.100.1.3": "bob@etu.univ.fr",
    }, ["univ.fr"]);
    expect(r.ok && [r.value.subjectType, r.value.eppn, r.value.scopedAffiliations, r.value.homeOrganization, r.value.emailVerified])
      .toEqual(["subject-id", null, ["student@univ.fr"], null, true]);
    const foreign = saml({ "urn:oid:1.3.6.1.4.1.5923.1.1.1.6": "bob@univ.fr", "urn:oid:0.9.2342.19200300.100.1.3": "bob@gmail.com" }, ["univ.fr"]);
    expect(foreign.ok && [foreign.value.email, foreign.value.emailVerified]).toEqual(["bob@gmail.com", false]);
  });

  it("takes configured names instead of the defaults", () => {
    const map = mergeMap(SAML_DEFAULT_MAP, { eppn: ["uid-scoped"], email: ["courriel"] });
    const r = saml({ "uid-scoped": "c@u.fr", courriel: "c@u.fr", "urn:oid:0.9.2342.19200300.100.1.3": "ignored@u.fr" }, null, map);
    expect(r.ok && [r.value.eppn, r.value.email]).toEqual(["c@u.fr", "c@u.fr"]);
  });

  it("OIDC: sub is the identifier; email counts as verified only with email_verified", () => {
    const oidc = (claims: Record<string, unknown>) => mapProfile(claims, { provider: "oidc:x", map: OIDC_DEFAULT_MAP, scopes: null, oidcSubject: "s-1", emailTrusted: false });
    const yes = oidc({ email: "a@u.fr", email_verified: true, name: "A" });
    expect(yes.ok && [yes.value.subjectType, yes.value.subject, yes.value.emailVerified, yes.value.displayName]).toEqual(["sub", "s-1", true, "A"]);
    const no = oidc({ email: "a@u.fr", email_verified: false });
    expect(no.ok && no.value.emailVerified).toBe(false);
  });

  it("role rules match the affiliation, within the home organisation when named", () => {
    const r = saml({ "urn:oid:1.3.6.1.4.1.5923.1.1.1.6": "s@univ-amu.fr", "urn:oid:1.3.6.1.4.1.5923.1.1.1.9": "staff@univ-amu.fr" });
    if (!r.ok) throw new Error("mapping failed");
    expect(ruleMatches(r.value, { affiliation: "staff", homeOrganization: "univ-amu.fr" })).toBe(true);
    expect(ruleMatches(r.value, { affiliation: "staff", homeOrganization: "univ-tln.fr" })).toBe(false);
    expect(ruleMatches(r.value, { affiliation: "staff" })).toBe(true);
    expect(ruleMatches(r.value, { affiliation: "student" })).toBe(false);
  });
});

describe("recipientTypeFor (CSV/API recipients)", () => {
  it("an e-mail address, or an eppn written with the eppn: prefix", () => {
    expect(recipientTypeFor(" Alice@Univ.fr ")).toEqual({ type: "emailAddress", identity: "alice@univ.fr" });
    expect(recipientTypeFor("eppn:Alice@univ-amu.fr")).toEqual({ type: "ext:eduPersonPrincipalName", identity: "alice@univ-amu.fr" });
    expect(recipientTypeFor("EPPN: bob@Univ-Tln.fr")).toEqual({ type: "ext:eduPersonPrincipalName", identity: "bob@univ-tln.fr" });
    expect(recipientTypeFor("eppn:no-scope")).toBeNull();
    expect(recipientTypeFor("eppn:bob@univ")).toBeNull(); // the scope is a DNS domain
    expect(recipientTypeFor("eppn:bob@univ_tln.fr")).toBeNull();
    expect(recipientTypeFor("eppn:a b@univ.fr")).toBeNull();
    expect(recipientTypeFor("alice")).toBeNull();
  });
});

describe("sso configuration", () => {
  const env = { FRANCEBADGE_SECRET: "x".repeat(40) };
  const oidc = { id: "univ-lyon", issuer: "https://login.univ-lyon.fr", clientId: "fb", label: "Université de Lyon" };

  it("takes an OIDC client secret from FRANCEBADGE_SSO_OIDC_<ID>_CLIENT_SECRET and makes SAML paths absolute", () => {
    const r = resolveConfig({ sso: { oidc: [oidc], saml: { spPrivateKeyPath: "keys/sp.key", spCertPath: "/etc/fb/sp.crt", idps: [{ id: "amu", metadataPath: "idp.xml" }] } } },
      { ...env, FRANCEBADGE_SSO_OIDC_UNIV_LYON_CLIENT_SECRET: "from-env", FRANCEBADGE_SSO_SAML_REQUIRE_ENCRYPTION: "true" }, "/srv/fb");
    if (!r.ok) throw new Error(r.problems.join("; "));
    expect(r.config.sso.oidc[0]!.clientSecret).toBe("from-env");
    expect(r.config.sso.oidc[0]!.scopes).toEqual(["openid", "email", "profile"]);
    expect([r.config.sso.saml.spPrivateKeyPath, r.config.sso.saml.spCertPath, r.config.sso.saml.idps[0]!.metadataPath]).toEqual(["/srv/fb/keys/sp.key", "/etc/fb/sp.crt", "/srv/fb/idp.xml"]);
    expect(r.config.sso.saml.requireEncryption).toBe(true);
    expect(r.config.sso.staffPasswordLogin).toBe(true);
  });

  it("reports what is missing or unsafe, every problem at once", () => {
    const r = resolveConfig({ sso: {
      oidc: [{ ...oidc, issuer: "http://login.univ-lyon.fr" }, { ...oidc }],
      saml: { idps: [{ id: "amu", metadataPath: "a.xml", metadataUrl: "https://a.fr/md" }], federationMetadataPath: "edugain.xml" },
      roleRules: [{ affiliation: "staff", issuer: "amu", role: "owner" as never }],
    } }, env);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.join("\n")).toMatch(/sso\.saml\.idps\.0: give exactly one of metadataPath or metadataUrl/);
    expect(r.problems.join("\n")).toMatch(/sso\.roleRules\.0\.role/);
    const again = resolveConfig({ sso: { oidc: [{ ...oidc, issuer: "http://login.univ-lyon.fr" }, { ...oidc }], saml: { idps: [{ id: "amu", metadataPath: "a.xml" }], federationMetadataPath: "e.xml" } } }, env);
    expect(again.ok ? [] : again.problems).toEqual([
      "sso.saml: spPrivateKeyPath and spCertPath are required when SAML IdPs or a federation are configured",
      "sso.saml: federationMetadataPath needs federationCertPath (the federation's signing certificate), and the reverse",
      'sso.oidc: the issuer of "univ-lyon" must use https:// (plain http only on loopback, for tests)',
      'sso: the provider id "univ-lyon" is used twice',
    ]);
  });
});
