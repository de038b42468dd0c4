// JSON-LD context URLs (bundled offline; see credentials/document-loader when signing).
export const VC_V2 = "https://www.w3.org/ns/credentials/v2";
export const OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
export const OB_V3_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json";
export const OB_V2 = "https://w3id.org/openbadges/v2";
