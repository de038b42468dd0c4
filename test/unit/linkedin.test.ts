import { describe, expect, it } from "vitest";
import { linkedInAddUrl } from "../../src/downloads/linkedin.ts";

const base = {
  name: "Tutorat – niveau 2", organizationName: "Aix-Marseille Université", issuedAt: "2026-03-14T10:00:00Z",
  certUrl: "https://badges.example.fr/credentials/6f1c", certId: "6f1c",
};

describe("LinkedIn add-to-profile URL", () => {
  it("fills the certification form: name, organisation, issue date, URL and credential ID", () => {
    const url = new URL(linkedInAddUrl({ ...base, expiresAt: "2028-01-31T12:00:00Z" }));
    expect(url.origin + url.pathname).toBe("https://www.linkedin.com/profile/add");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      startTask: "CERTIFICATION_NAME", name: "Tutorat – niveau 2", organizationName: "Aix-Marseille Université",
      issueYear: "2026", issueMonth: "3", expirationYear: "2028", expirationMonth: "1",
      certUrl: "https://badges.example.fr/credentials/6f1c", certId: "6f1c",
    });
  });

  it("leaves the expiry out when the badge does not expire, and encodes spaces as %20", () => {
    const raw = linkedInAddUrl({ ...base, expiresAt: null });
    expect(raw).not.toContain("expiration");
    expect(raw).toContain("name=Tutorat%20%E2%80%93%20niveau%202");
    expect(raw).not.toContain("+");
  });

  it("uses the month seen in France: 31 December 23:30 UTC is already January", () => {
    const url = new URL(linkedInAddUrl({ ...base, issuedAt: "2026-12-31T23:30:00Z" }));
    expect([url.searchParams.get("issueYear"), url.searchParams.get("issueMonth")]).toEqual(["2027", "1"]);
  });

  it("prefers the organisation's LinkedIn id when one is configured", () => {
    const url = new URL(linkedInAddUrl({ ...base, organizationId: "1234567" }));
    expect(url.searchParams.get("organizationId")).toBe("1234567");
    expect(url.searchParams.has("organizationName")).toBe(false);
  });
});
