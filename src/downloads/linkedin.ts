// LinkedIn "Add to profile" (Licenses & certifications): a plain link that opens the form filled
// in. Parameters as peers use them (peers.md #39): startTask=CERTIFICATION_NAME, name,
// organizationId or organizationName, issueYear/issueMonth, expirationYear/expirationMonth,
// certUrl, certId.

const ADD_TO_PROFILE = "https://www.linkedin.com/profile/add";

/** What the LinkedIn form is filled with. */
export interface LinkedInCertification {
  name: string;
  organizationName: string;
  /** LinkedIn's numeric company page id, when the issuer has one configured (wins over the name). */
  organizationId?: string | null;
  issuedAt: string; // ISO 8601
  expiresAt?: string | null;
  certUrl: string;
  certId: string;
}

// The month a person sees on the badge page (Paris time), not the UTC one: a badge issued on
// 31 December at 23:30 UTC was issued in January in France.
function yearMonth(iso: string): { year: string; month: string } {
  const parts = new Intl.DateTimeFormat("en-GB", { year: "numeric", month: "numeric", timeZone: "Europe/Paris" }).formatToParts(new Date(iso));
  const part = (type: string) => String(Number(parts.find((p) => p.type === type)?.value));
  return { year: part("year"), month: part("month") };
}

/** The add-to-profile URL; values are percent-encoded (spaces as %20, which LinkedIn reads everywhere). */
export function linkedInAddUrl(c: LinkedInCertification): string {
  const issued = yearMonth(c.issuedAt);
  const expires = c.expiresAt ? yearMonth(c.expiresAt) : null;
  const params: Array<[string, string]> = [
    ["startTask", "CERTIFICATION_NAME"],
    ["name", c.name],
    c.organizationId ? ["organizationId", c.organizationId] : ["organizationName", c.organizationName],
    ["issueYear", issued.year],
    ["issueMonth", issued.month],
    ...(expires ? [["expirationYear", expires.year], ["expirationMonth", expires.month]] as Array<[string, string]> : []),
    ["certUrl", c.certUrl],
    ["certId", c.certId],
  ];
  return `${ADD_TO_PROFILE}?${params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&")}`;
}
