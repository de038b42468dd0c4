import { cliActor } from "../audit/audit.service.ts";
import { memberForm } from "../members/members.schema.ts";
import { ROLES } from "../members/roles.ts";
import { parseInput } from "../shared/validation.ts";
import { EXIT_OK, findIssuerOption, type CliCommand } from "./context.ts";

/** `member add`: grants a role to a known account, or stores an invitation for an unknown address. */
export const memberAddCommand: CliCommand = {
  name: "member add",
  synopsis: `--issuer S --email E --role ${ROLES.join("|")}`,
  summary: "Give a role in an issuer space (unknown e-mail: invitation link)",
  options: { issuer: { type: "string" }, email: { type: "string" }, role: { type: "string" } },
  required: ["issuer", "email", "role"],
  async run(ctx, values) {
    const form = parseInput(memberForm, { email: values.email, role: values.role });
    const roleHint = (problem: string) => (problem.startsWith("--role:") ? `${problem} (${ROLES.join(", ")})` : problem);
    const problems = form.ok ? [] : ctx.fieldProblems(form.error).map(roleHint);
    // Every problem at once: the issuer is checked even when the e-mail or role is wrong.
    const found = await findIssuerOption(ctx, values.issuer ?? "");
    if ("problem" in found) problems.unshift(found.problem);
    if (problems.length || !form.ok || !("issuer" in found)) return ctx.fail(problems);
    const { services } = await ctx.open();
    const { email, role } = form.value;
    const outcome = await services.members.add(cliActor, found.issuer, form.value);
    if (outcome.kind === "added") ctx.io.out(`Role ${role} granted to ${email} in ${found.issuer.slug}.`);
    if (outcome.kind === "already-member") ctx.io.out(`${email} already has the role ${role} in ${found.issuer.slug}: nothing changed.`);
    if (outcome.kind === "invited") {
      // No mail yet (issue 2): the operator passes the link on by hand.
      ctx.io.out(`No account for ${email}: invitation stored (role ${role} in ${found.issuer.slug}, valid until ${outcome.invitation.expires_at}).`);
      ctx.io.out("E-mail is not sent yet: send this link to the person yourself:");
      ctx.io.out(`  ${ctx.config.origin}/invitations/${outcome.token}`);
    }
    return EXIT_OK;
  },
};
