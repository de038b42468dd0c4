import { z } from "zod";

/** Largest accepted upload (the limit is also written in the error message and the picker's help). */
export const MAX_IMAGE_BYTES = 2 * 1024 * 1024;
/** Smallest and largest accepted side, in pixels, of an uploaded PNG or of an SVG's rendition. */
export const MIN_SIDE = 32;
export const MAX_SIDE = 4096;
/** Width of the PNG rendition of SVG images (baking, OpenGraph). */
export const RENDITION_WIDTH = 512;

export const PNG_TYPE = "image/png";
export const SVG_TYPE = "image/svg+xml";

export const SHAPES = ["circle", "hexagon", "shield", "rounded"] as const;
export const ICONS = ["none", "star", "lightbulb", "gear", "book", "cap", "check"] as const;

const colour = z.string().trim().regex(/^#[0-9a-fA-F]{6}$/, "errors.image.colour").transform((v) => v.toLowerCase());
// Form fields arrive as text; an empty select means "no stripe".
const smallInt = (min: number, max: number, fallback: number) =>
  z.preprocess((v) => (v === "" || v === undefined ? fallback : v), z.coerce.number().int("errors.invalid").min(min, "errors.invalid").max(max, "errors.invalid"));

/** The designer's settings (kept in `images.design` so the designer can reopen them). */
export const designSettings = z.object({
  shape: z.enum(SHAPES, { error: "errors.invalid" }).default("circle"),
  background: colour.default("#1d3f91"),
  foreground: colour.default("#ffffff"),
  icon: z.enum(ICONS, { error: "errors.invalid" }).default("star"),
  text: z.string().trim().max(24, "errors.image.textTooLong").default(""),
  // Level stripe: `level` filled segments out of `levels` (0 = no stripe), for Novice → Expert ladders.
  level: smallInt(0, 5, 0),
  levels: smallInt(2, 5, 5),
}).refine((s) => s.level <= s.levels, { message: "errors.image.levelAboveCount", path: ["level"] });

export type DesignSettings = z.output<typeof designSettings>;

/** The settings the designer opens with. */
export const defaultDesign: DesignSettings = designSettings.parse({});

/** Public path of an image file: the PNG rendition, or the sanitised SVG (SVG images only). */
export function imagePath(imageId: string, kind: "png" | "svg" = "png"): string {
  return `/images/${imageId}.${kind}`;
}
