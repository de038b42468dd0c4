import { z } from "zod";
import { emailField, passwordField, requiredText } from "../shared/validation.ts";

export const localeField = z.enum(["fr", "en"], { error: "errors.invalid" });

/** Profile form. */
export const profileForm = z.object({ displayName: requiredText(120), locale: localeField });

/** Choosing a password through a one-time link. */
export const setPasswordForm = z
  .object({ password: passwordField, confirm: z.string() })
  .refine((v) => v.password === v.confirm, { message: "errors.passwordMismatch", path: ["confirm"] });

/** Changing one's password while signed in. */
export const changePasswordForm = z
  .object({ current: z.string().min(1, "errors.required"), password: passwordField, confirm: z.string() })
  .refine((v) => v.password === v.confirm, { message: "errors.passwordMismatch", path: ["confirm"] });

/** Creating an account (invitation acceptance, CLI). */
export const newAccountForm = z
  .object({ displayName: requiredText(120), password: passwordField, confirm: z.string() })
  .refine((v) => v.password === v.confirm, { message: "errors.passwordMismatch", path: ["confirm"] });

export const loginForm = z.object({ email: emailField, password: z.string().min(1, "errors.required").max(200, "errors.tooLong") });

export type ProfileInput = z.output<typeof profileForm>;
