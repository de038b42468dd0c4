import type { AchievementsService } from "../achievements/achievements.service.ts";
import type { CredentialsService } from "../awards/credentials.service.ts";
import type { NodeUrls } from "../credentials/urls.ts";
import type { CredentialRow } from "../db/database.ts";
import { formatDate, translator, type Locale } from "../i18n/i18n.ts";
import { renderDesign } from "../images/designer.ts";
import { defaultDesign, RENDITION_WIDTH, SVG_TYPE } from "../images/images.schema.ts";
import type { ImagesService } from "../images/images.service.ts";
import { renderSvg } from "../images/raster.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import { bakePng, bakeSvg, OB2_PNG_KEYWORD, OB3_PNG_KEYWORD, svgAroundPng } from "./baking.ts";
import { linkedInAddUrl } from "./linkedin.ts";
import { buildOb2Assertion, buildOb2Gone, buildOb2RevocationList } from "./ob2-hosted.ts";
import { renderCertificatePdf } from "./pdf-certificate.ts";
import { markdownToPlainText } from "./plain-text.ts";
import { qrSvg } from "./qr.ts";

export interface DownloadsDeps {
  credentials: CredentialsService;
  achievements: AchievementsService;
  images: ImagesService;
  issuers: IssuersService;
  urls: NodeUrls;
  /**
   * Whether the holder lets their name appear on the public page and the certificate (their
   * choice in the backpack, wired in app.ts). Without it no name is ever shown.
   */
  showName?: (row: CredentialRow) => boolean | Promise<boolean>;
}

/** A file to send: its bytes and a readable name for Content-Disposition. */
export interface DownloadFile {
  bytes: Buffer;
  filename: string;
}

/** The badge artwork a credential is baked into. */
interface BadgeArt {
  png: Buffer;
  svg: string | null; // the sanitised original when it is an SVG
  width: number;
  height: number;
}

/** An OB 2.0 hosted object, or the 410 body of a withdrawn one. */
export type Ob2Answer = { gone: false; doc: Record<string, unknown> } | { gone: true; doc: Record<string, unknown> };

// A template without an image still gets a badge to bake into: the designer's default drawing
// (no text, so no font is needed), rendered once per process.
let defaultArt: Promise<BadgeArt> | undefined;
function defaultBadge(): Promise<BadgeArt> {
  return (defaultArt ??= (async () => {
    const svg = renderDesign(defaultDesign);
    const raster = await renderSvg(svg, RENDITION_WIDTH);
    if (!raster) throw new Error("resvg could not draw the default badge");
    return { png: raster.png, svg, width: raster.width, height: raster.height };
  })());
}

/** A file name people can read: the badge name in ASCII, then the start of the credential id. */
export function downloadName(badgeName: string, id: string, ext: string): string {
  const slug = badgeName.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60).replace(/-+$/, "");
  return `${slug || "badge"}-${id.slice(0, 8)}.${ext}`;
}

/** Downloads beside a credential (baked PNG/SVG, PDF, OB 2.0 hosted objects) and its share box. */
export function createDownloadsService(deps: DownloadsDeps) {
  const { urls } = deps;

  async function load(id: string) {
    const row = await deps.credentials.find(id);
    if (!row) return null;
    return { row, doc: JSON.parse(row.document) as Record<string, any> };
  }

  async function artOf(row: CredentialRow): Promise<BadgeArt> {
    const achievement = await deps.achievements.load(row.achievement_id, row.achievement_version);
    const imageId = achievement?.content.imageId;
    const image = imageId ? await deps.images.find(imageId) : undefined;
    if (!image) return defaultBadge();
    const svg = image.media_type === SVG_TYPE ? Buffer.from(image.original).toString("utf8") : null;
    return { png: Buffer.from(image.png), svg, width: image.width, height: image.height };
  }

  const withdrawn = (row: CredentialRow) => row.status === "revoked" || row.status === "suspended";
  const recipientName = async (row: CredentialRow) => ((await deps.showName?.(row)) ? row.recipient_name : null);

  function ob2Assertion(row: CredentialRow, doc: Record<string, any>) {
    return buildOb2Assertion(urls, {
      id: row.id, achievementId: row.achievement_id, recipientType: row.recipient_type, identityHash: row.identity_hash,
      salt: row.salt, issuedOn: row.valid_from, expires: row.valid_until, credential: doc,
    });
  }

  return {
    /** The badge PNG with the signed credential in one iTXt `openbadgecredential` chunk. */
    async bakedPng(id: string): Promise<DownloadFile | null> {
      const found = await load(id);
      if (!found) return null;
      const art = await artOf(found.row);
      return { bytes: bakePng(art.png, OB3_PNG_KEYWORD, found.row.document), filename: downloadName(found.doc.name, id, "png") };
    },

    /** The badge SVG (the original, or one wrapping the PNG) with one `<openbadges:credential>`. */
    async bakedSvg(id: string): Promise<DownloadFile | null> {
      const found = await load(id);
      if (!found) return null;
      const art = await artOf(found.row);
      const svg = art.svg ?? svgAroundPng(art.png, art.width, art.height, String(found.doc.name));
      return { bytes: Buffer.from(bakeSvg(svg, found.row.document), "utf8"), filename: downloadName(found.doc.name, id, "svg") };
    },

    /** The A4 certificate in the reader's language, the signed credential attached. */
    async certificatePdf(id: string, locale: Locale): Promise<DownloadFile | null> {
      const found = await load(id);
      if (!found) return null;
      const { row, doc } = found;
      const t = translator(locale);
      const date = (iso: string) => formatDate(iso, locale);
      const art = await artOf(row);
      const achievement = doc.credentialSubject?.achievement ?? {};
      const bytes = await renderCertificatePdf({
        lang: locale === "fr" ? "fr-FR" : "en-GB",
        labels: {
          heading: t("downloads.pdf.heading"), awardedTo: t("downloads.pdf.awardedTo"), issuedBy: t("credentials.issuedBy", { issuer: doc.issuer.name }),
          dates: [t("credentials.issuedOn", { date: date(doc.validFrom) }), doc.validUntil ? t("credentials.expiresOn", { date: date(doc.validUntil) }) : t("credentials.noExpiry")].join(" · "),
          criteria: t("downloads.pdf.criteria"), verify: t("downloads.pdf.verify"), credentialId: t("downloads.pdf.credentialId", { id: row.id }),
          attachment: t("downloads.pdf.attachment"), attachmentDescription: t("downloads.pdf.attachmentDescription"),
        },
        badgeName: String(doc.name), description: String(achievement.description ?? ""), issuerName: String(doc.issuer.name),
        recipient: (await recipientName(row)) ?? t("downloads.pdf.holder"),
        criteria: markdownToPlainText(achievement.criteria?.narrative) || String(achievement.criteria?.id ?? ""),
        imagePng: art.png, verifyUrl: doc.id, credentialJson: row.document,
      });
      return { bytes, filename: downloadName(doc.name, id, "pdf") };
    },

    /** The hosted OB 2.0 Assertion; a revoked (or suspended) one is gone (HTTP 410, with its reason). */
    async ob2Assertion(id: string): Promise<Ob2Answer | null> {
      const found = await load(id);
      if (!found) return null;
      if (withdrawn(found.row)) return { gone: true, doc: buildOb2Gone(urls, id, found.row.status_reason) };
      return { gone: false, doc: ob2Assertion(found.row, found.doc) };
    },

    /** The badge PNG with the OB 2.0 Assertion in an iTXt `openbadges` chunk (null body when gone). */
    async ob2BakedPng(id: string): Promise<(DownloadFile & { gone: false }) | { gone: true; doc: Record<string, unknown> } | null> {
      const found = await load(id);
      if (!found) return null;
      if (withdrawn(found.row)) return { gone: true, doc: buildOb2Gone(urls, id, found.row.status_reason) };
      const art = await artOf(found.row);
      const assertion = JSON.stringify(ob2Assertion(found.row, found.doc));
      return { gone: false, bytes: bakePng(art.png, OB2_PNG_KEYWORD, assertion), filename: downloadName(found.doc.name, id, "ob2.png") };
    },

    /** The issuer's OB 2.0 RevocationList, or null for an unknown issuer. */
    async ob2RevocationList(slug: string): Promise<Record<string, unknown> | null> {
      const issuer = await deps.issuers.findBySlug(slug);
      if (!issuer) return null;
      const rows = await deps.credentials.withdrawn(issuer.id);
      return buildOb2RevocationList(urls, slug, rows.map((r) => ({ id: r.id, reason: r.status_reason })));
    },

    /** The built-in badge drawing of a template without an image: null for an unknown template and for a draft (never public). */
    async defaultImage(achievementId: string): Promise<Buffer | null> {
      const a = await deps.achievements.load(achievementId);
      if (!a || a.row.status === "draft") return null;
      return (await defaultBadge()).png;
    },

    /** View-model of the share box on the credential page (downloads, LinkedIn, ID, QR code). */
    async shareView(row: CredentialRow, doc: Record<string, any>, locale: Locale) {
      const t = translator(locale);
      const active = !withdrawn(row);
      return {
        credentialId: row.id,
        credentialUrl: doc.id as string,
        imageUrl: (doc.image?.id as string | undefined) ?? urls.achievementDefaultImage(row.achievement_id),
        recipientName: await recipientName(row),
        downloads: [
          { kind: "json", href: urls.credentialFile(row.id, "json") }, { kind: "png", href: urls.credentialFile(row.id, "png") },
          { kind: "svg", href: urls.credentialFile(row.id, "svg") }, { kind: "pdf", href: urls.credentialFile(row.id, "pdf") },
          ...(active ? [{ kind: "ob2png", href: urls.ob2BakedImage(row.id) }] : []),
        ],
        linkedInUrl: active ? linkedInAddUrl({
          name: String(doc.name), organizationName: String(doc.issuer?.name ?? ""), issuedAt: row.valid_from, expiresAt: row.valid_until,
          certUrl: doc.id, certId: row.id,
        }) : null,
        qrSvg: await qrSvg(doc.id, t("downloads.qr")),
      };
    },
  };
}

export type DownloadsService = ReturnType<typeof createDownloadsService>;
