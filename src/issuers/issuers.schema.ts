import { z } from "zod";
import { emailField, optionalText, optionalUrl, requiredText } from "../shared/validation.ts";

// Slugs appear in URLs and in federation handles (acct:slug@host): keep them plain.
const RESERVED = new Set(["new", "admin", "api", "static", "settings", "members", "inbox", "outbox", "keys", "status"]);

/** Words no issuer may take as slug: they name pages (e.g. /issuers/new). */
export const isReservedSlug = (slug: string): boolean => RESERVED.has(slug);

export const slugField = z
  .string().trim().toLowerCase()
  .min(2, "errors.slugFormat").max(60, "errors.tooLong")
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "errors.slugFormat")
  .refine((s) => !RESERVED.has(s), "errors.slugReserved");

const optionalEmail = z.string().trim().transform((v) => (v === "" ? null : v)).nullable().optional()
  .transform((v) => v ?? null).pipe(z.union([z.null(), emailField]));

/** The issuer form (web and CLI). */
export const issuerForm = z.object({
  slug: slugField,
  name: requiredText(200),
  description: z.string().trim().max(5000, "errors.tooLong").optional().default(""),
  website: optionalUrl,
  email: optionalEmail,
  logoUrl: optionalUrl,
  parent: optionalText(60),
});

/** Editing keeps the slug: it is part of every badge's identifiers. */
export const issuerUpdateForm = issuerForm.omit({ slug: true });

export type IssuerInput = z.output<typeof issuerForm>;
export type IssuerUpdateInput = z.output<typeof issuerUpdateForm>;
