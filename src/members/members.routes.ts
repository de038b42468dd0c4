import { Hono, type Context } from "hono";
import { newAccountForm } from "../accounts/accounts.schema.ts";
import type { AccountsService } from "../accounts/accounts.service.ts";
import type { AuthService } from "../auth/auth.service.ts";
import type { CookieKit } from "../http/cookies.ts";
import type { AppEnv } from "../http/env.ts";
import { setFlash } from "../http/flash.ts";
import { formFields } from "../http/form.ts";
import type { Guards } from "../http/guards.ts";
import { isHtmx, type Render } from "../http/render.ts";
import type { FieldErrors } from "../shared/result.ts";
import { parseInput } from "../shared/validation.ts";
import { memberForm } from "./members.schema.ts";
import type { AddMemberOutcome, MembersService } from "./members.service.ts";
import { isRole, ROLES } from "./roles.ts";

export interface MembersRoutesDeps {
  members: MembersService;
  accounts: AccountsService;
  auth: AuthService;
  render: Render;
  cookies: CookieKit;
  guards: Guards;
  origin: string;
  sessionDays: number;
}

type Notice = { key: string; params?: Record<string, string>; kind?: "ok" | "error"; link?: string };

function outcomeNotice(o: AddMemberOutcome, role: string, t: (k: string) => string, origin: string): Notice {
  if (o.kind === "invited") return { key: "members.invited", params: { email: o.invitation.email }, link: `${origin}/invitations/${o.token}` };
  return { key: o.kind === "added" ? "members.added" : "members.already", params: { email: o.user.email, role: t("role." + role) } };
}

/** Members of an issuer space (role admin) and invitation links. */
export function membersRoutes(d: MembersRoutesDeps) {
  const app = new Hono<AppEnv>();
  const { guards } = d;
  const admin = [guards.loadIssuer, guards.requireRole("admin")] as const;

  async function panel(c: Context<AppEnv>, extra: { notice?: Notice; errors?: FieldErrors; form?: Record<string, string> } = {}, status: 200 | 404 | 422 = 200) {
    const issuer = c.get("issuer");
    const t = c.get("t");
    const data = {
      issuer, ...extra,
      members: await d.members.list(issuer.id),
      invitations: await d.members.openInvitations(issuer.id),
      roleOptions: ROLES.map((r) => ({ value: r, label: t("role." + r) })),
    };
    return d.render(c, isHtmx(c) ? "partials/members/panel" : "pages/members/index", data, status);
  }

  app.get("/issuers/:issuer/members", ...admin, (c) => panel(c));

  app.post("/issuers/:issuer/members", ...admin, async (c) => {
    const fields = await formFields(c);
    const form = parseInput(memberForm, fields);
    if (!form.ok) return panel(c, { errors: form.error, form: fields }, 422);
    const outcome = await d.members.add(c.get("actor"), c.get("issuer"), form.value);
    return panel(c, { notice: outcomeNotice(outcome, form.value.role, c.get("t"), d.origin) });
  });

  app.post("/issuers/:issuer/members/remove", ...admin, async (c) => {
    const { userId = "", role = "" } = await formFields(c);
    if (!isRole(role)) return panel(c, { notice: { key: "errors.roleUnknown", kind: "error" } }, 422);
    const done = await d.members.removeRole(c.get("actor"), c.get("issuer"), userId, role);
    const notice: Notice = done.ok ? { key: "members.removed" } : { key: done.error === "last-admin" ? "members.lastAdmin" : "errors.invalid", kind: "error" };
    return panel(c, { notice }, done.ok ? 200 : 422);
  });

  // Only an open invitation of this space: another space's id (or a spent one) is not found here.
  app.post("/issuers/:issuer/invitations/:id/revoke", ...admin, async (c) => {
    const done = await d.members.revokeInvitation(c.get("actor"), c.get("issuer"), c.req.param("id"));
    if (done) return panel(c, { notice: { key: "members.invitationRevoked" } });
    // htmx swaps 422 answers only (base layout): the panel then shows the message too.
    return panel(c, { notice: { key: "members.invitationNotFound", kind: "error" } }, isHtmx(c) ? 422 : 404);
  });

  // Signed in with an account that does not own the invited address: nothing to accept here.
  const otherAccount = async (c: Context<AppEnv>, email: string) => {
    const user = c.get("user");
    return !!user && !(await d.members.ownsAddress(user, email));
  };

  app.get("/invitations/:token", async (c) => {
    const found = await d.members.findInvitation(c.req.param("token"));
    const wrongAccount = !!found && (await otherAccount(c, found.invitation.email));
    return d.render(c, "pages/invitation", { ...found, wrongAccount }, found ? 200 : 410);
  });

  // "Sign out and continue": ends this session and shows the invitation again, to the right person.
  app.post("/invitations/:token/sign-out", async (c) => {
    const session = c.get("sessionToken");
    if (session) await d.auth.logout(session);
    d.cookies.clear(c, "fb_session");
    return c.redirect(`/invitations/${encodeURIComponent(c.req.param("token"))}`, 303);
  });

  app.post("/invitations/:token", async (c) => {
    const token = c.req.param("token");
    const found = await d.members.findInvitation(token);
    if (!found) return d.render(c, "pages/invitation", {}, 410);
    let user = c.get("user");
    if (user && (await otherAccount(c, found.invitation.email))) return d.render(c, "pages/invitation", { ...found, wrongAccount: true }, 403);
    if (!user) {
      const fields = await formFields(c);
      const form = parseInput(newAccountForm, fields);
      if (!form.ok) return d.render(c, "pages/invitation", { ...found, errors: form.error, form: fields }, 422);
      const created = await d.accounts.create({ email: found.invitation.email, displayName: form.value.displayName, password: form.value.password, locale: c.get("locale") });
      if (!created.ok) return d.render(c, "pages/invitation", { ...found, errors: { _form: "errors.emailTaken" }, form: fields }, 422);
      user = created.value;
      d.cookies.set(c, "fb_session", await d.auth.startSession(user.id, c.get("ip"), c.req.header("User-Agent") ?? null), d.sessionDays * 86_400);
    }
    const accepted = await d.members.acceptInvitation({ ...c.get("actor"), userId: user.id, label: user.email }, token, user);
    if (!accepted.ok) return accepted.error === "other-address" ? d.render(c, "pages/invitation", { ...found, wrongAccount: true }, 403) : d.render(c, "pages/invitation", {}, 410);
    setFlash(c, d.cookies, { key: "invitation.accepted", params: { issuer: accepted.value.name } });
    return c.redirect(`/issuers/${accepted.value.slug}`, 303);
  });
  return app;
}
