import type { Services } from "../app.ts";
import type { Config } from "../config/config.schema.ts";
import { seedDemo, type DemoAccount } from "../demo/demo-data.ts";

export interface FirstStartReport {
  admin: { email: string; setupUrl: string } | null;
  demo: { accounts: DemoAccount[]; password: string } | null;
}

/** On the very first start: the node administrator (with a one-time setup link) and, if on, the demo data. */
export async function runFirstStart(config: Config, services: Services): Promise<FirstStartReport> {
  const created = await services.accounts.ensureNodeAdmin(config.admin.email.toLowerCase());
  const admin = created ? { email: created.email, setupUrl: `${config.origin}/setup/${created.setupToken}` } : null;
  const demo = config.demo ? await seedDemo(services) : null;
  return { admin, demo };
}

/** The lines printed once to stdout so a newcomer can sign in straight away. */
export function firstStartLines(report: FirstStartReport, origin: string): string[] {
  const lines: string[] = [];
  if (report.admin) {
    lines.push("", "  Node administrator created:", `    e-mail:     ${report.admin.email}`, `    set your password (one-time link, valid 7 days):`, `    ${report.admin.setupUrl}`);
  }
  if (report.demo) {
    lines.push("", `  Demo data loaded. Demo staff accounts (password: ${report.demo.password}):`);
    for (const a of report.demo.accounts) lines.push(`    ${a.email.padEnd(36)} ${a.role} @ ${a.issuer}`);
  }
  if (lines.length) lines.push("", `  Open ${origin}/`, "");
  return lines;
}
