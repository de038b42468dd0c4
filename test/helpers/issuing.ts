// Shared setup of the tests that issue credentials straight through the services (no award list).
import { cliActor } from "../../src/audit/audit.service.ts";
import type { Achievement } from "../../src/achievements/achievements.service.ts";
import type { CredentialRow, IssuerRow } from "../../src/db/database.ts";
import type { TestNode } from "./node.ts";

/** Creates the issuer space "amu" (Aix-Marseille Université, with a website and a contact e-mail). */
export async function createAmu(node: TestNode): Promise<IssuerRow> {
  const created = await node.services.issuers.create(cliActor, { slug: "amu", name: "Aix-Marseille Université", description: "", website: "https://www.univ-amu.fr", email: "badges@univ-amu.fr", logoUrl: null, parent: null });
  if (!created.ok) throw new Error(`issuer: ${JSON.stringify(created.error)}`);
  return created.value;
}

/** Creates a bare issuer space `slug` (no website, no e-mail) with one published template of `content`. */
export async function createIssuerWithTemplate(node: TestNode, slug: string, name: string, content: Record<string, unknown>): Promise<{ issuer: IssuerRow; template: Achievement }> {
  const created = await node.services.issuers.create(cliActor, { slug, name, description: "", website: null, email: null, logoUrl: null, parent: null });
  if (!created.ok) throw new Error(`issuer: ${JSON.stringify(created.error)}`);
  const defined = await node.services.achievements.define(cliActor, created.value, content, { publish: true });
  if (!defined.ok) throw new Error(`template: ${JSON.stringify(defined.error)}`);
  return { issuer: created.value, template: defined.value };
}

/** Publishes a new template with `content` and issues one credential of it to the e-mail `recipient`. */
export async function issueFromNewTemplate(node: TestNode, issuer: IssuerRow, content: Record<string, unknown>, recipient: string): Promise<CredentialRow> {
  const defined = await node.services.achievements.define(cliActor, issuer, content, { publish: true });
  if (!defined.ok) throw new Error(`template: ${JSON.stringify(defined.error)}`);
  const [row] = await node.services.credentials.issueMany(cliActor, issuer, defined.value, [{ recipient, recipientType: "emailAddress" }]);
  return row!;
}
