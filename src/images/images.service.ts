import { createHash } from "node:crypto";
import type { Actor, AuditService } from "../audit/audit.service.ts";
import type { Db, ImageRow, IssuerRow } from "../db/database.ts";
import { isoNow, type Clock } from "../shared/clock.ts";
import { err, ok, type FieldErrors, type Result } from "../shared/result.ts";
import { newId } from "../shared/tokens.ts";
import { parseInput } from "../shared/validation.ts";
import { renderDesign } from "./designer.ts";
import * as repo from "./images.repository.ts";
import {
  designSettings, MAX_IMAGE_BYTES, MAX_SIDE, MIN_SIDE, PNG_TYPE, RENDITION_WIDTH, SVG_TYPE, type DesignSettings,
} from "./images.schema.ts";
import { declaredPngSize, decodePng, hasPngSignature, renderSvg } from "./raster.ts";
import { sanitizeSvg } from "./svg-sanitize.ts";

/** An uploaded file as the route received it; the type is detected from the bytes, not trusted. */
export interface UploadInput {
  bytes: Uint8Array;
  mediaType?: string;
  filename?: string;
}

/** What gets stored: the original (sanitised for SVG) and its PNG rendition. */
/** An upload checked and converted by prepareUpload, ready to store. */
export interface Prepared {
  mediaType: string;
  original: Buffer;
  png: Buffer;
  width: number;
  height: number;
}

const sideOk = (n: number) => n >= MIN_SIDE && n <= MAX_SIDE;
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** UTF-8 text of the bytes (BOM dropped), or null when they are not UTF-8 text. */
function utf8Text(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
}

async function preparePng(bytes: Uint8Array): Promise<Result<Prepared, string>> {
  // The size is checked before decoding, so a tiny file declaring 100 000 × 100 000 px is never inflated.
  const declared = declaredPngSize(bytes);
  if (!declared) return err("errors.image.pngDamaged");
  if (!sideOk(declared.width) || !sideOk(declared.height)) return err("errors.image.dimensions");
  const raster = await decodePng(bytes);
  if (!raster) return err("errors.image.pngDamaged");
  return ok({ mediaType: PNG_TYPE, original: Buffer.from(bytes), png: raster.png, width: raster.width, height: raster.height });
}

async function prepareSvg(text: string): Promise<Result<Prepared, string>> {
  const clean = await sanitizeSvg(text);
  if (!clean.ok) return err(`errors.image.svg.${clean.error}`);
  // resvg reading the cleaned file proves it is a drawable SVG, and gives the PNG rendition.
  const raster = await renderSvg(clean.value, RENDITION_WIDTH);
  if (!raster) return err("errors.image.svg.invalid");
  if (!sideOk(raster.height)) return err("errors.image.dimensions");
  return ok({ mediaType: SVG_TYPE, original: Buffer.from(clean.value, "utf8"), png: raster.png, width: raster.width, height: raster.height });
}

/** Checks and converts an upload; the error is a message key for the `image` field. */
export async function prepareUpload(input: UploadInput): Promise<Result<Prepared, string>> {
  const { bytes } = input;
  if (bytes.length === 0) return err("errors.image.missing");
  if (bytes.length > MAX_IMAGE_BYTES) return err("errors.image.tooLarge");
  if (hasPngSignature(bytes)) return preparePng(bytes);
  const text = utf8Text(bytes);
  if (text !== null && /<svg[\s>:/]/.test(text)) return prepareSvg(text);
  const name = (input.filename ?? "").toLowerCase();
  if (input.mediaType === PNG_TYPE || name.endsWith(".png")) return err("errors.image.notPng");
  if (input.mediaType === SVG_TYPE || name.endsWith(".svg")) return err("errors.image.svg.invalid");
  return err("errors.image.type");
}

/** Badge images: uploads (PNG, sanitised SVG) and the built-in designer, each with a PNG rendition. */
export function createImagesService(deps: { db: Db; clock: Clock; audit: AuditService }) {
  const { db, clock, audit } = deps;

  async function store(actor: Actor, issuer: IssuerRow, p: Prepared, design: DesignSettings | null, action: string): Promise<ImageRow> {
    const hash = sha256(p.original);
    // The same file uploaded again by the same issuer is the same image: rows are immutable.
    const existing = await repo.findImageByHash(db, issuer.id, hash);
    if (existing) return existing;
    const row: ImageRow = {
      id: newId(), issuer_id: issuer.id, sha256: hash, media_type: p.mediaType, original: p.original, png: p.png,
      width: p.width, height: p.height, design: design && JSON.stringify(design), created_at: isoNow(clock),
    };
    await db.transaction().execute(async (tx) => {
      await repo.insertImage(tx, row);
      await audit.record(actor, {
        action, objectType: "image", objectId: row.id, issuerId: issuer.id,
        details: { mediaType: row.media_type, bytes: row.original.length, width: row.width, height: row.height },
      }, tx);
    });
    return row;
  }

  return {
    find: (id: string) => repo.findImageById(db, id),
    belongsTo: (imageId: string, issuerId: string) => repo.imageBelongsTo(db, imageId, issuerId),
    renderDesign,

    /** Stores an uploaded PNG or SVG (max 2 MB, really decoded, SVG sanitised); errors on field `image`. */
    async upload(actor: Actor, issuer: IssuerRow, input: UploadInput): Promise<Result<ImageRow, FieldErrors>> {
      const prepared = await prepareUpload(input);
      if (!prepared.ok) return err({ image: prepared.error });
      return ok(await store(actor, issuer, prepared.value, null, "image.upload"));
    },

    /** Stores an upload already checked by prepareUpload (callers that check before they create what it belongs to). */
    storePrepared: (actor: Actor, issuer: IssuerRow, prepared: Prepared): Promise<ImageRow> => store(actor, issuer, prepared, null, "image.upload"),

    /** Draws and stores a designer image from untrusted settings (errors keyed by setting). */
    async design(actor: Actor, issuer: IssuerRow, input: unknown): Promise<Result<ImageRow, FieldErrors>> {
      const parsed = parseInput(designSettings, input);
      if (!parsed.ok) return parsed;
      const svg = renderDesign(parsed.value);
      const raster = await renderSvg(svg, RENDITION_WIDTH);
      if (!raster) throw new Error("the designer produced an SVG that resvg cannot draw");
      const prepared: Prepared = { mediaType: SVG_TYPE, original: Buffer.from(svg, "utf8"), ...raster };
      return ok(await store(actor, issuer, prepared, parsed.value, "image.design"));
    },

    /** The designer settings of an issuer's image, to reopen it in the designer. */
    async designOf(imageId: string, issuerId: string): Promise<{ image: ImageRow; settings: DesignSettings } | undefined> {
      const image = await repo.findImageById(db, imageId);
      if (!image || image.issuer_id !== issuerId || !image.design) return undefined;
      const parsed = parseInput(designSettings, JSON.parse(image.design));
      return parsed.ok ? { image, settings: parsed.value } : undefined;
    },
  };
}

export type ImagesService = ReturnType<typeof createImagesService>;
