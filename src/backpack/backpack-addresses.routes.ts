import { Hono, type Context } from "hono";
import { z } from "zod";
import type { CookieKit } from "../http/cookies.ts";
import type { AppEnv } from "../http/env.ts";
import { setFlash } from "../http/flash.ts";
import { formFields } from "../http/form.ts";
import type { Guards } from "../http/guards.ts";
import type { Render } from "../http/render.ts";
import { emailField, parseInput } from "../shared/validation.ts";
import type { BackpackService } from "./backpack.service.ts";

const addressForm = z.object({ email: emailField });

/** A learner's e-mail addresses: list, add (confirmed by a link sent there), remove. */
export function backpackAddressesRoutes(d: { backpack: BackpackService; render: Render; cookies: CookieKit; guards: Guards }) {
  const app = new Hono<AppEnv>();
  const mine = d.guards.requireUser;

  async function page(c: Context<AppEnv>, data: Record<string, unknown> = {}, status: 200 | 410 | 422 | 429 = 200) {
    return d.render(c, "pages/backpack/addresses", { addresses: await d.backpack.addresses(c.get("user")!), email: "", ...data }, status);
  }

  app.get("/backpack/addresses", mine, (c) => page(c));
  app.post("/backpack/addresses", mine, async (c) => {
    const fields = await formFields(c);
    const form = parseInput(addressForm, fields);
    if (!form.ok) return page(c, { errors: form.error, email: fields.email ?? "" }, 422);
    const sent = await d.backpack.requestAddress(c.get("user")!, form.value.email);
    if (!sent.ok && typeof sent.error === "object") {
      c.header("Retry-After", String(sent.error.retryAfterSeconds));
      return page(c, { problem: "backpack.addresses.rateLimited", problemParams: { seconds: sent.error.retryAfterSeconds }, email: form.value.email }, 429);
    }
    if (!sent.ok) return page(c, { errors: { email: `backpack.addresses.${sent.error}` }, email: form.value.email }, 422);
    return page(c, { sent: sent.value.email });
  });
  app.post("/backpack/addresses/remove", mine, async (c) => {
    const removed = await d.backpack.removeAddress(c.get("user")!, (await formFields(c)).email ?? "");
    if (!removed.ok) return page(c, { problem: `backpack.addresses.${removed.error}` }, 422);
    setFlash(c, d.cookies, { key: "backpack.addresses.removed" });
    return c.redirect("/backpack/addresses", 303);
  });

  // GET only shows a button: mail scanners that open links must not spend them. The link works
  // for the account that asked only, so a stranger cannot slip their address into someone's account.
  app.get("/backpack/addresses/confirm/:token", (c) => d.render(c, "pages/backpack/address-confirm", { signedIn: !!c.get("user") }));
  app.post("/backpack/addresses/confirm/:token", mine, async (c) => {
    const done = await d.backpack.confirmAddress(c.get("user")!, c.req.param("token"));
    if (!done.ok) return page(c, { problem: `backpack.addresses.${done.error}` }, done.error === "invalid-link" ? 410 : 422);
    setFlash(c, d.cookies, { key: "backpack.addresses.added", params: { email: done.value.email } });
    return c.redirect("/backpack/addresses", 303);
  });
  return app;
}
