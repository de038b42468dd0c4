import { join } from "node:path";
import { Eta } from "eta";
import { formatDate, translator, type Locale, type Translate } from "../i18n/i18n.ts";

// Message builders: subject, plain-text part and HTML part of each e-mail the node sends, in the
// recipient's language. Rendered once, when the message is queued (the outbox stores the result).
// HTML parts escape everything (Eta autoEscape); text parts are not HTML, so they are not escaped.

const views = join(import.meta.dirname, "..", "..", "views");
// Compiled templates are cached: a bulk award renders thousands of notifications.
const html = new Eta({ views, cache: true, autoEscape: true, autoTrim: false, useWith: false });
const text = new Eta({ views, cache: true, autoEscape: false, autoTrim: false, useWith: false });

/** A message ready to queue: what mail.send() needs besides the recipient. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** Subjects are one header line: no line breaks, no runs of spaces. */
function oneLine(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

function render(name: string, locale: Locale, origin: string, subject: string, data: Record<string, unknown>): RenderedMail {
  const t = translator(locale);
  const vm = { ...data, t, locale, subject, host: new URL(origin).host };
  return {
    subject,
    html: html.render(`emails/${name}.html.eta`, vm),
    text: text.render(`emails/${name}.text.eta`, vm).replace(/\n{3,}/g, "\n\n").trim() + "\n",
  };
}

/** What every mail about a role in an issuer space names. */
interface SpaceRoleMailInput {
  locale: Locale;
  issuerName: string;
  /** A role of src/members/roles.ts (its label is translated). */
  role: string;
}

export interface InvitationMailInput extends SpaceRoleMailInput {
  acceptUrl: string;
  /** ISO timestamp. */
  expiresAt: string;
  /** Display name of the person who invites, when known. */
  inviterName?: string | null;
}

/** The invitation to join an issuer space (issue 2: invitations by e-mail). */
export function invitationMail(input: InvitationMailInput, origin: string): RenderedMail {
  const t = translator(input.locale);
  const subject = oneLine(t("mail.invitation.subject", { issuer: input.issuerName }));
  return render("invitation", input.locale, origin, subject, {
    issuer: input.issuerName, role: t("role." + input.role), acceptUrl: input.acceptUrl,
    expires: formatDate(input.expiresAt, input.locale), inviter: input.inviterName?.trim() || null,
  });
}

export interface MemberAddedMailInput extends SpaceRoleMailInput {
  /** The space's page. */
  spaceUrl: string;
  /** Display name of the person who gave the role, when known. */
  actorName?: string | null;
}

/** The notice to an existing account that it was given a role in an issuer space. */
export function memberAddedMail(input: MemberAddedMailInput, origin: string): RenderedMail {
  const t = translator(input.locale);
  const subject = oneLine(t("mail.memberAdded.subject", { issuer: input.issuerName }));
  return render("member-added", input.locale, origin, subject, {
    issuer: input.issuerName, role: t("role." + input.role), spaceUrl: input.spaceUrl, actor: input.actorName?.trim() || null,
  });
}

/** The placeholders an issuer may use in its own award subject and message. */
export const AWARD_PLACEHOLDERS = ["name", "badge", "issuer", "link"] as const;
export type AwardPlaceholder = (typeof AWARD_PLACEHOLDERS)[number];

/** An issuer's own texts for a template's award e-mails; empty or missing → the default. */
export interface AwardTexts {
  subject?: string | null;
  message?: string | null;
}

/** The default award subject and message of a language, with their {placeholders} (for forms). */
export function defaultAwardTexts(locale: Locale): { subject: string; message: string } {
  const t = translator(locale);
  return { subject: t("mail.award.subject"), message: t("mail.award.message") };
}

/** The {placeholders} of a text that awards cannot fill (for form validation). */
export function unknownPlaceholders(texts: AwardTexts): string[] {
  const used = [...`${texts.subject ?? ""}\n${texts.message ?? ""}`.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  return [...new Set(used.filter((p) => !(AWARD_PLACEHOLDERS as readonly string[]).includes(p)))];
}

/**
 * Fills {name}, {badge}, {issuer}, {link}. An empty value also takes the space before it, so the
 * default "Bonjour {name}," reads "Bonjour," when the recipient's name is unknown. `wrap` escapes
 * each value (HTML) and `link` renders {link}; unknown placeholders stay as written.
 */
function fill(template: string, values: Record<AwardPlaceholder, string>, wrap = (s: string) => s, link = wrap): string {
  return template.replace(/( ?)\{(\w+)\}/g, (whole, space: string, name: string) => {
    if (!(name in values)) return whole;
    const value = values[name as AwardPlaceholder];
    if (!value) return "";
    return space + (name === "link" ? link(value) : wrap(value));
  });
}

/** Escapes text for HTML (the same five characters as Eta). */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** The issuer's message as HTML: escaped, blank lines → paragraphs, line breaks → <br>. */
function messageHtml(message: string, values: Record<AwardPlaceholder, string>): string {
  const anchor = (href: string) => `<a href="${escapeHtml(href)}" style="color:#000091;">${escapeHtml(href)}</a>`;
  return message.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean)
    .map((p) => `<p style="margin:0 0 16px 0;">${fill(escapeHtml(p), values, escapeHtml, anchor).replace(/\r?\n/g, "<br>\n")}</p>`)
    .join("\n");
}

export interface AwardNotificationInput {
  locale: Locale;
  /** The recipient's name, when the award list gave one. */
  recipientName?: string | null;
  badgeName: string;
  issuerName: string;
  /** Where the learner sees (and later claims) the badge. */
  claimUrl: string;
  /** An http(s) URL of the badge's PNG, shown above the message (alt text: the badge's name). */
  imageUrl?: string | null;
  /** The template's own subject and message (in this locale); the defaults otherwise. */
  custom?: AwardTexts | null;
  /** The badge went to this federation identifier (eppn), the e-mail to a contact address: the learner signs in with their institution. */
  eppn?: string | null;
}

/** The notification of an award (issue 4: per-template subject and message, link to claim). */
export function awardNotificationMail(input: AwardNotificationInput, origin: string): RenderedMail {
  const defaults = defaultAwardTexts(input.locale);
  const values = { name: input.recipientName?.trim() ?? "", badge: input.badgeName, issuer: input.issuerName, link: input.claimUrl };
  const subjectTemplate = input.custom?.subject?.trim() || defaults.subject;
  const message = (input.custom?.message?.trim() || defaults.message).replace(/\r\n?/g, "\n");
  const subject = oneLine(fill(subjectTemplate, values));
  return render("award-notification", input.locale, origin, subject, {
    badge: input.badgeName, issuer: input.issuerName, claimUrl: input.claimUrl,
    // The login page lists the institutions (SSO); the backpack then shows badges of the eppn.
    institution: input.eppn ? { eppn: input.eppn, signInUrl: `${origin}/login?next=${encodeURIComponent("/backpack")}` } : null,
    // Only a web address: a data: URI would copy the whole image into every queued message.
    imageUrl: /^https?:\/\//.test(input.imageUrl ?? "") ? input.imageUrl : null,
    messageText: fill(message, values), messageHtml: messageHtml(message, values),
  });
}

export interface MagicLinkMailInput {
  locale: Locale;
  signInUrl: string;
  /** ISO timestamp. */
  expiresAt: string;
}

/** A one-time sign-in link (for the learners' issue). */
export function magicLinkMail(input: MagicLinkMailInput, origin: string): RenderedMail {
  const t: Translate = translator(input.locale);
  return render("magic-link", input.locale, origin, t("mail.magicLink.subject"), {
    signInUrl: input.signInUrl, expires: formatDate(input.expiresAt, input.locale, true),
  });
}

export interface EmailConfirmationMailInput {
  locale: Locale;
  confirmUrl: string;
  /** ISO timestamp. */
  expiresAt: string;
}

/** The one-time link that adds an address to a learner's account (its badges then join the backpack). */
export function emailConfirmationMail(input: EmailConfirmationMailInput, origin: string): RenderedMail {
  const t: Translate = translator(input.locale);
  return render("email-confirmation", input.locale, origin, t("mail.emailConfirm.subject"), {
    confirmUrl: input.confirmUrl, expires: formatDate(input.expiresAt, input.locale, true),
  });
}

/** A notice to an address of one account that someone tried to add it to another (it carries no link). */
export function addressTakenNoticeMail(input: { locale: Locale }, origin: string): RenderedMail {
  const t: Translate = translator(input.locale);
  return render("address-taken", input.locale, origin, t("mail.addressTaken.subject"), {});
}
