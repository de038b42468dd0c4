// A partner's template becomes a local draft copy: its language tag must pass our (OB schema) check.
import { describe, expect, it } from "vitest";
import { LANGUAGE_PATTERN } from "../../src/achievements/achievements.schema.ts";
import { reuseContent } from "../../src/federation/template-payload.ts";

const partner = "https://b.example/issuers/univ-b";
const copyOf = (inLanguage: unknown) =>
  reuseContent({ id: "https://b.example/achievements/1", name: "Secourisme", description: "Premiers secours", inLanguage }, partner);

describe("reuseContent language", () => {
  it("puts a partner's tag in the canonical case the OB schema asks for", () => {
    expect(copyOf("fr-fr").inLanguage).toBe("fr-FR");
    expect(copyOf("ZH-hant-tw").inLanguage).toBe("zh-Hant-TW");
    expect(LANGUAGE_PATTERN.test(copyOf("fr-fr").inLanguage as string)).toBe(true);
  });

  it("drops what is not a language tag rather than failing the reuse", () => {
    expect(copyOf("français").inLanguage).toBeUndefined();
    expect(copyOf("x-klingon-dialect-of-the-north").inLanguage).toBeUndefined();
    expect(copyOf(42).inLanguage).toBeUndefined();
    expect(copyOf("en").inLanguage).toBe("en");
  });
});
