import { describe, expect, it } from "vitest";
import { errorsToOb, obBodyToContent } from "../../src/api/ob-achievement-input.ts";

const self = { issuerUrl: "https://node.example/issuers/amu", achievementUrl: "https://node.example/achievements/a1" };

describe("OB 3.0 body → template content", () => {
  it("accepts OB's `tag` and single values where OB allows arrays, and says which name to use in errors", () => {
    const r = obBodyToContent({ name: "N", tag: "agile", alignment: { targetName: "T", targetUrl: "https://x.example" } }, self);
    expect(r.ok && r.value.input).toMatchObject({ name: "N", tags: ["agile"], alignment: [{ targetName: "T" }] });
    expect(r.ok && r.value.renames).toEqual({ tags: "tag" });
    expect(errorsToOb({ "tags.0": "errors.tooLong", name: "errors.required" }, { tags: "tag" })).toEqual({ "tag.0": "errors.tooLong", name: "errors.required" });
  });

  it("reads our image URL as the image id", () => {
    const r = obBodyToContent({ image: { id: "https://node.example/images/img-42.png", type: "Image" } }, self);
    expect(r.ok && r.value.input.imageId).toBe("img-42");
    expect(r.ok && r.value.renames).toEqual({ imageId: "image" });
  });

  it("drops what our own output adds: the issuer as creator, the links to our editions", () => {
    const r = obBodyToContent({
      creator: { id: self.issuerUrl, type: ["Profile"], name: "AMU" },
      related: [{ id: `${self.achievementUrl}/en`, type: ["Related"], inLanguage: "en" }, { id: "https://other.example/b", inLanguage: "de" }],
    }, self);
    expect(r.ok && r.value.input.creator).toBeUndefined();
    expect(r.ok && r.value.input.related).toEqual([{ id: "https://other.example/b", inLanguage: "de" }]);
  });

  it("refuses a body that is not an object, and a `published` that is not a boolean", () => {
    expect(obBodyToContent([], self)).toEqual({ ok: false, error: { _body: "api.notAnObject" } });
    expect(obBodyToContent({ published: "yes" }, self)).toEqual({ ok: false, error: { published: "api.published" } });
    expect(obBodyToContent({ published: true }, self)).toMatchObject({ ok: true, value: { publish: true } });
  });
});
