import { z } from "zod";
import { err, ok, type FieldErrors, type Result } from "./result.ts";

// Messages are i18n keys (see src/i18n/); views translate them next to the field.

/** A trimmed, lower-cased e-mail address. */
export const emailField = z.string().trim().toLowerCase().max(254, "errors.tooLong").pipe(z.email("errors.email"));

/** A required single-line text of at most `max` characters. */
export const requiredText = (max: number) => z.string().trim().min(1, "errors.required").max(max, "errors.tooLong");

/** An optional text: empty means absent. */
export const optionalText = (max: number) =>
  z.string().trim().max(max, "errors.tooLong").transform((v) => (v === "" ? null : v)).nullable().optional().transform((v) => v ?? null);

/** An optional http(s) URL: empty means absent. */
export const optionalUrl = z
  .string().trim().max(2000, "errors.tooLong")
  .refine((v) => v === "" || /^https?:\/\/[^\s]+$/i.test(v) && URL.canParse(v), "errors.url")
  .optional()
  .transform((v) => (v ? v : null));

/** A new password: long enough to resist guessing, short enough to hash quickly. */
export const passwordField = z.string().min(10, "errors.passwordTooShort").max(200, "errors.tooLong");

/** Parses untrusted input with a schema and returns field errors keyed by field path. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): Result<z.output<S>, FieldErrors> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return ok(parsed.data);
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const field = issue.path.join(".") || "_form";
    errors[field] ??= issue.message.startsWith("errors.") ? issue.message : "errors.invalid";
  }
  return err(errors);
}
