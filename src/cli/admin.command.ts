import { cliActor } from "../audit/audit.service.ts";
import { requiredText, emailField, parseInput, passwordField } from "../shared/validation.ts";
import { EXIT_OK, type CliCommand, type CliContext, type CliValues } from "./context.ts";

// Same default as the administrator created at first start (src/accounts: ensureNodeAdmin).
const DEFAULT_NAME = "Administrateur";

async function readPassword(ctx: CliContext, email: string): Promise<{ password: string } | { problem: string }> {
  const read = await ctx.io.readSecret(`Password for ${email} (10 characters or more): `, "Same password again: ");
  if (!read.ok) {
    return { problem: read.error === "mismatch" ? "the two passwords differ" : "no password given: write it on the first line of standard input" };
  }
  const checked = parseInput(passwordField, read.value);
  return checked.ok ? { password: checked.value } : { problem: `password: ${ctx.t(checked.error._form ?? "errors.invalid")}` };
}

async function createOrPromote(ctx: CliContext, values: { email: string; name: string; password: string }): Promise<number> {
  const { services } = await ctx.open();
  const { accounts, audit, auth } = services;
  const existing = await accounts.findByEmail(values.email);
  if (!existing) {
    const created = await accounts.create({ email: values.email, displayName: values.name, password: values.password, isNodeAdmin: true });
    if (!created.ok) return ctx.fail([`--email: ${ctx.t("errors.emailTaken")}`]);
    await audit.record(cliActor, { action: "account.create", objectType: "user", objectId: created.value.id, details: { email: values.email, nodeAdmin: true } });
    ctx.io.out(`Node administrator created: ${values.email}`);
  } else {
    // One transaction: promotion, new password, closed sessions (a new password set by the operator
    // should lock out whoever knew the old one) and the audit event all happen, or none.
    await accounts.promoteWithPassword(existing, values.password, cliActor, (tx) => auth.endOtherSessions(existing.id, undefined, tx));
    ctx.io.out(`${existing.email} is now a node administrator; password replaced, other sessions closed.`);
  }
  ctx.io.out(`Sign in at ${ctx.config.origin}/login`);
  return EXIT_OK;
}

/** `admin create`: a node administrator with a password read from stdin (or promotes an account). */
export const adminCreateCommand: CliCommand = {
  name: "admin create",
  synopsis: "--email E [--name N]",
  summary: "Create a node administrator, or promote an account (password on stdin)",
  options: { email: { type: "string" }, name: { type: "string" } },
  required: ["email"],
  async run(ctx: CliContext, values: CliValues) {
    const email = parseInput(emailField, values.email);
    const name = parseInput(requiredText(120), values.name ?? DEFAULT_NAME);
    const problems = [
      ...(email.ok ? [] : [`--email: ${ctx.t(email.error._form ?? "errors.email")}`]),
      ...(name.ok ? [] : [`--name: ${ctx.t(name.error._form ?? "errors.invalid")}`]),
    ];
    if (problems.length || !email.ok || !name.ok) return ctx.fail(problems);
    const password = await readPassword(ctx, email.value);
    if ("problem" in password) return ctx.fail([password.problem]);
    return createOrPromote(ctx, { email: email.value, name: name.value, password: password.password });
  },
};
