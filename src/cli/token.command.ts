import { cliActor } from "../audit/audit.service.ts";
import type { ApiTokenRow } from "../db/database.ts";
import { SCOPES } from "../tokens/tokens.service.ts";
import { EXIT_OK, findIssuerOption, type CliCommand } from "./context.ts";

const scopesProblem = (unknown: string[]) => `--scopes: unknown scope(s) ${unknown.join(", ")}; known scopes: ${SCOPES.join(", ")}`;

/** `token create`: prints the secret once; only its hash is stored. */
export const tokenCreateCommand: CliCommand = {
  name: "token create",
  synopsis: `--issuer S --scopes ${SCOPES.join(",")} [--name N]`,
  summary: "Create an API token for an issuer (shown once)",
  options: { issuer: { type: "string" }, scopes: { type: "string" }, name: { type: "string" } },
  required: ["issuer", "scopes"],
  async run(ctx, values) {
    const scopes = (values.scopes ?? "").split(/[\s,]+/).filter(Boolean);
    const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
    const problems = scopes.length === 0 ? [`--scopes: give at least one of ${SCOPES.join(", ")}`] : unknown.length ? [scopesProblem(unknown)] : [];
    const found = await findIssuerOption(ctx, values.issuer ?? "");
    if ("problem" in found) problems.unshift(found.problem);
    if (problems.length || !("issuer" in found)) return ctx.fail(problems);
    const { services } = await ctx.open();
    const created = await services.tokens.create(cliActor, found.issuer, values.name ?? "", scopes);
    if (!created.ok) return ctx.fail([scopesProblem(created.error.unknownScopes)]);
    const { row, token } = created.value;
    ctx.io.out(`API token "${row.name}" created for ${found.issuer.slug} (id ${row.id}, scopes: ${row.scopes.split(" ").join(", ")}).`);
    ctx.io.out("Copy it now: it is stored hashed and will never be shown again.");
    ctx.io.out();
    ctx.io.out(`  ${token}`);
    ctx.io.out();
    return EXIT_OK;
  },
};

function tokenTable(rows: ApiTokenRow[]): string[] {
  const header = ["ID", "NAME", "PREFIX", "SCOPES", "CREATED", "LAST USED", "STATUS"];
  // The prefix is the start of the secret kept to recognise a token; never the secret itself.
  const cells = rows.map((r) => [r.id, r.name, `fbt_${r.prefix}…`, r.scopes.split(" ").join(","), r.created_at, r.last_used_at ?? "never", r.revoked_at ? `revoked ${r.revoked_at}` : "active"]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  return [header, ...cells].map((line) => line.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd());
}

/** `token list`: an issuer's tokens, without their secrets. */
export const tokenListCommand: CliCommand = {
  name: "token list",
  synopsis: "--issuer S",
  summary: "List an issuer's API tokens (secrets are never shown)",
  options: { issuer: { type: "string" } },
  required: ["issuer"],
  async run(ctx, values) {
    const found = await findIssuerOption(ctx, values.issuer ?? "");
    if ("problem" in found) return ctx.fail([found.problem]);
    const { services } = await ctx.open();
    const rows = await services.tokens.list(found.issuer.id);
    const lines = rows.length ? tokenTable(rows) : [`No API token for ${found.issuer.slug}.`];
    for (const line of lines) ctx.io.out(line);
    return EXIT_OK;
  },
};

/** `token revoke`: the token stops working at once. */
export const tokenRevokeCommand: CliCommand = {
  name: "token revoke",
  synopsis: "--issuer S --id ID",
  summary: "Revoke an API token",
  options: { issuer: { type: "string" }, id: { type: "string" } },
  required: ["issuer", "id"],
  async run(ctx, values) {
    const found = await findIssuerOption(ctx, values.issuer ?? "");
    if ("problem" in found) return ctx.fail([found.problem]);
    const { services } = await ctx.open();
    const id = (values.id ?? "").trim();
    if (!(await services.tokens.revoke(cliActor, found.issuer, id))) {
      return ctx.fail([`--id: no active API token ${id} in ${found.issuer.slug} (see: token list --issuer ${found.issuer.slug})`]);
    }
    ctx.io.out(`API token ${id} of ${found.issuer.slug} revoked.`);
    return EXIT_OK;
  },
};
