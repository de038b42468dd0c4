import { cliActor } from "../audit/audit.service.ts";
import { issuerForm } from "../issuers/issuers.schema.ts";
import { parseInput } from "../shared/validation.ts";
import { EXIT_OK, type CliCommand } from "./context.ts";

/** `issuer create`: the web form's schema and the same service, so the same rules apply. */
export const issuerCreateCommand: CliCommand = {
  name: "issuer create",
  synopsis: "--slug S --name N [--parent P] [--description D] [--website U] [--email E] [--logo-url U]",
  summary: "Create an issuer space, optionally under a parent space",
  options: {
    slug: { type: "string" }, name: { type: "string" }, parent: { type: "string" }, description: { type: "string" },
    website: { type: "string" }, email: { type: "string" }, "logo-url": { type: "string" },
  },
  required: ["slug", "name"],
  async run(ctx, values) {
    const form = parseInput(issuerForm, {
      slug: values.slug, name: values.name, parent: values.parent, description: values.description,
      website: values.website, email: values.email, logoUrl: values["logo-url"],
    });
    if (!form.ok) return ctx.fail(ctx.fieldProblems(form.error));
    const { services } = await ctx.open();
    const created = await services.issuers.create(cliActor, form.value);
    if (!created.ok) return ctx.fail(ctx.fieldProblems(created.error));
    const issuer = created.value;
    ctx.io.out(`Issuer created: ${issuer.name} (slug ${issuer.slug}, id ${issuer.id})`);
    if (form.value.parent) ctx.io.out(`Attached to: ${form.value.parent}`);
    ctx.io.out(`Public page: ${ctx.config.origin}/issuers/${issuer.slug}`);
    return EXIT_OK;
  },
};
