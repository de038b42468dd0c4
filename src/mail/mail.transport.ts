import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { getLogger } from "@logtape/logtape";
import nodemailer from "nodemailer";
import type { Config } from "../config/config.schema.ts";

const log = getLogger(["francebadge", "mail"]);

/** A file sent with a message; the outbox keeps it in the job, so keep it small. */
export interface MailAttachment {
  filename: string;
  contentType: string;
  /** The bytes, base64. */
  contentBase64: string;
  /** Content-ID, to show it inline in the HTML part (`<img src="cid:…">`). */
  cid?: string;
}

/** A message as the outbox stores it: rendered, addressed, with a fixed Message-ID. */
export interface QueuedMail {
  messageId: string;
  queuedAt: string;
  from: string;
  to: string;
  replyTo?: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  attachments: MailAttachment[];
}

export interface Delivery {
  messageId: string;
  /** The SMTP server's final reply, or the .eml file written. */
  response?: string;
  file?: string;
}

/** Hands a message over for delivery: an SMTP server, or a folder of .eml files. */
export interface MailTransport {
  kind: "smtp" | "file";
  deliver(mail: QueuedMail, signal?: AbortSignal): Promise<Delivery>;
}

function toNodemailer(mail: QueuedMail, signal?: AbortSignal) {
  return {
    // The Message-ID is chosen when the message is queued, so a retry after an uncertain
    // delivery sends the same message (receivers can drop the duplicate), not a new one.
    messageId: mail.messageId, from: mail.from, to: mail.to, replyTo: mail.replyTo, subject: mail.subject,
    text: mail.text, html: mail.html, headers: mail.headers, date: new Date(mail.queuedAt),
    attachments: mail.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: Buffer.from(a.contentBase64, "base64"), cid: a.cid })),
    // No file or URL may be read while composing: attachments come as bytes only.
    disableFileAccess: true, disableUrlAccess: true, signal,
  };
}

/** SMTP from config.mail.smtp; STARTTLS is used whenever the server offers it (nodemailer's default). */
export function smtpTransport(smtp: NonNullable<Config["mail"]["smtp"]>): MailTransport {
  const transporter = nodemailer.createTransport({
    host: smtp.host, port: smtp.port, secure: smtp.secure,
    auth: smtp.user ? { user: smtp.user, pass: smtp.password ?? "" } : undefined,
    // Bounded waits: a job holds its lock while it sends (see jobs.visibilityTimeoutMs).
    connectionTimeout: 20_000, greetingTimeout: 20_000, socketTimeout: 60_000,
  });
  return {
    kind: "smtp",
    async deliver(mail, signal) {
      const info = await transporter.sendMail(toNodemailer(mail, signal));
      return { messageId: info.messageId, response: info.response };
    },
  };
}

/** The http(s) links of a text, for the log of the file transport. */
export function linksOf(text: string): string[] {
  return [...new Set(text.match(/https?:\/\/[^\s<>"')]+/g) ?? [])];
}

/**
 * The localhost default: each message becomes an RFC 822 `.eml` file under `dir` (any mail
 * client opens it) and its links are logged, so a local try needs no mail server. The name
 * comes from the queue time and the Message-ID: a retry rewrites the same file.
 */
export function fileTransport(dir: string): MailTransport {
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "windows" });
  return {
    kind: "file",
    async deliver(mail) {
      const info = await transporter.sendMail(toNodemailer(mail));
      const stamp = mail.queuedAt.replace(/[-:]/g, "").replace(/\.\d+/, "");
      const id = mail.messageId.replace(/^<|>$/g, "").split("@")[0]!.replace(/[^A-Za-z0-9-]/g, "");
      const file = join(dir, `${stamp}-${id}.eml`);
      await mkdir(dir, { recursive: true });
      // Written aside then renamed, so a reader never sees half a message.
      await writeFile(`${file}.tmp`, info.message as Buffer, { mode: 0o600 });
      await rename(`${file}.tmp`, file);
      log.info("E-mail to {to} written to {file}: {subject} — links: {links}", { to: mail.to, file, subject: mail.subject, links: linksOf(mail.text).join(" ") });
      return { messageId: mail.messageId, file };
    },
  };
}

/** The transport the config asks for. */
export function createMailTransport(mail: Config["mail"], production = false): MailTransport {
  if (mail.transport === "smtp" && mail.smtp) return smtpTransport(mail.smtp);
  // A public node without SMTP still keeps every message (nothing is lost), but nobody gets them.
  if (production) log.warn("No SMTP server set (mail.smtp): e-mails are only written to {dir}", { dir: mail.dir });
  return fileTransport(mail.dir);
}

/** What nodemailer attaches to its errors (see nodemailer/lib/errors). */
interface SmtpError {
  code?: string;
  responseCode?: number;
  permanent?: boolean;
}

/**
 * True when sending the same message again cannot succeed: the server refused it for good
 * (RFC 5321 §4.2.1: 5yz replies, but 503 "bad sequence" is about the session), or nodemailer
 * refused the envelope itself. Authentication failures are the operator's settings, not the
 * message: they stay transient, so the outbox delivers once the settings are fixed.
 */
export function isPermanentMailError(error: unknown): boolean {
  const e = (error ?? {}) as SmtpError;
  if (e.code === "EAUTH" || e.code === "ENOAUTH") return false;
  if (typeof e.permanent === "boolean") return e.permanent;
  if (typeof e.responseCode === "number") return e.responseCode >= 500 && e.responseCode < 600 && e.responseCode !== 503;
  return e.code === "EENVELOPE";
}
