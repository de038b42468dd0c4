import { z } from "zod";
import { emailField } from "../shared/validation.ts";
import { ROLES } from "./roles.ts";

/** Adding a member (or inviting one) to an issuer space. */
export const memberForm = z.object({
  email: emailField,
  role: z.enum(ROLES, { error: "errors.roleUnknown" }),
});

export type MemberInput = z.output<typeof memberForm>;
