import { getLogger } from "@logtape/logtape";
import type { Db } from "../db/database.ts";
import { isLocale, type Locale } from "../i18n/i18n.ts";
import { PermanentJobError, type JobContext, type JobQueue } from "../jobs/jobs.service.ts";
import { isoNow, type Clock } from "../shared/clock.ts";
import { open, seal } from "../shared/secret-box.ts";
import { newId } from "../shared/tokens.ts";
import {
  awardNotificationMail, invitationMail, magicLinkMail,
  type AwardNotificationInput, type InvitationMailInput, type MagicLinkMailInput,
} from "./mail.templates.ts";
import { isPermanentMailError, type MailAttachment, type MailTransport, type QueuedMail } from "./mail.transport.ts";

const log = getLogger(["francebadge", "mail"]);

/** The job queue that holds the outbox. */
export const MAIL_QUEUE = "mail";
// 2 s doubling, capped at 6 h by the queue: 16 tries cover about 15 hours of SMTP outage.
const MAX_ATTEMPTS = 16;
// The outbox keeps whole messages in the jobs table: attachments must stay small.
const MAX_ATTACHMENTS_BYTES = 256 * 1024;
const SEAL_PURPOSE = "mail-outbox";

/** A rendered message to send to one person. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Default: config mail.from. */
  from?: string;
  replyTo?: string;
  headers?: Record<string, string>;
  attachments?: MailAttachment[];
}

export interface SendOptions {
  /** Same key twice → one e-mail (e.g. `award-notification:<credential id>`). */
  dedupeKey?: string;
  /** The caller's transaction: the e-mail is queued only if the change that causes it commits. */
  db?: Db;
}

export interface QueuedMailRef {
  jobId: string;
  messageId: string;
  /** False when the dedupe key had already queued a message (this one was not queued). */
  queued: boolean;
}

/**
 * The stored job: only the recipient and Message-ID in clear; the rendered message is sealed
 * with the node secret, since it can carry sign-in and invitation links that the database
 * otherwise keeps only as hashes.
 */
interface MailJobPayload {
  to: string;
  messageId: string;
  sealed: string;
}

export interface MailDeps {
  jobs: JobQueue;
  transport: MailTransport;
  clock: Clock;
  origin: string;
  from: string;
  secret: string;
  defaultLocale: Locale;
  /** The saved languages of people with an account, by lower-case e-mail, read in the caller's transaction. */
  localesOf?: (emails: string[], db?: Db) => Promise<Map<string, string | null>>;
}

const oneLine = (s: string) => s.replace(/[\r\n]+/g, " ").trim();

function checkMessage(m: OutgoingMail): void {
  if (!/^[^\s@<>,;]+@[^\s@<>,;]+$/.test(m.to)) throw new RangeError(`mail: one plain recipient address expected, got ${JSON.stringify(m.to)}`);
  for (const name of Object.keys(m.headers ?? {})) if (!/^[A-Za-z0-9-]+$/.test(name)) throw new RangeError(`mail: bad header name ${name}`);
  const bytes = (m.attachments ?? []).reduce((n, a) => n + Math.ceil((a.contentBase64.length * 3) / 4), 0);
  if (bytes > MAX_ATTACHMENTS_BYTES) throw new RangeError(`mail: attachments of ${bytes} bytes (limit ${MAX_ATTACHMENTS_BYTES}); link to large files instead`);
}

/** The durable outbox: messages are queued on the job queue (in the caller's transaction) and sent by its worker. */
export function createMailService(deps: MailDeps) {
  const host = new URL(deps.origin).hostname;

  function payloadOf(message: OutgoingMail): MailJobPayload {
    checkMessage(message);
    const mail: QueuedMail = {
      messageId: `<${newId()}@${host}>`, queuedAt: isoNow(deps.clock),
      from: message.from ?? deps.from, to: message.to, ...(message.replyTo ? { replyTo: message.replyTo } : {}),
      subject: oneLine(message.subject), text: message.text, html: message.html,
      // RFC 3834: automatic messages say so, so that auto-responders stay quiet.
      headers: { "Auto-Submitted": "auto-generated", ...Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, oneLine(v)])) },
      attachments: message.attachments ?? [],
    };
    return { to: mail.to, messageId: mail.messageId, sealed: seal(deps.secret, SEAL_PURPOSE, JSON.stringify(mail)) };
  }

  async function send(message: OutgoingMail, opts: SendOptions = {}): Promise<QueuedMailRef> {
    const payload = payloadOf(message);
    const job = await deps.jobs.enqueue(MAIL_QUEUE, payload, { dedupeKey: opts.dedupeKey, maxAttempts: MAX_ATTEMPTS, db: opts.db });
    const queued = !opts.dedupeKey || (JSON.parse(job.payload) as MailJobPayload).messageId === payload.messageId;
    // Outside a transaction the job is visible now; inside one the poller finds it after the commit.
    if (!opts.db) deps.jobs.wake();
    return { jobId: job.id, messageId: payload.messageId, queued };
  }

  async function deliver(payload: MailJobPayload, ctx: JobContext) {
    let mail: QueuedMail;
    try {
      mail = JSON.parse(open(deps.secret, SEAL_PURPOSE, payload.sealed)) as QueuedMail;
    } catch {
      throw new PermanentJobError("cannot open the queued message (was the node secret changed?)");
    }
    try {
      return await deps.transport.deliver(mail, ctx.signal);
    } catch (error) {
      if (!isPermanentMailError(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      log.error("E-mail {messageId} to {to} refused for good: {message}", { messageId: mail.messageId, to: mail.to, message });
      throw new PermanentJobError(message);
    }
  }

  deps.jobs.register(MAIL_QUEUE, deliver);

  /** The recipient's saved language, else the one given, else the node's. */
  const key = (email: string) => email.trim().toLowerCase();

  // One lookup for a whole bulk award (a query per e-mail cost ~10 % of a 10 000-row award on PostgreSQL).
  async function localesFor(items: Array<{ to: string; locale?: string | null }>, db?: Db): Promise<Locale[]> {
    const unknown = [...new Set(items.filter((i) => !isLocale(i.locale)).map((i) => key(i.to)))];
    const saved = unknown.length && deps.localesOf ? await deps.localesOf(unknown, db) : new Map<string, string | null>();
    return items.map((i) => {
      if (isLocale(i.locale)) return i.locale;
      const s = saved.get(key(i.to));
      return isLocale(s) ? s : deps.defaultLocale;
    });
  }

  async function localeFor(email: string, preferred?: string | null, db?: Db): Promise<Locale> {
    return (await localesFor([{ to: email, locale: preferred }], db))[0]!;
  }

  type Addressed<T> = Omit<T, "locale"> & { to: string; locale?: Locale | null };

  return {
    send,
    localeFor,
    transportKind: deps.transport.kind,

    /** Queues an invitation to an issuer space. */
    async sendInvitation(input: Addressed<InvitationMailInput>, opts: SendOptions = {}): Promise<QueuedMailRef> {
      const locale = await localeFor(input.to, input.locale, opts.db);
      return send({ to: input.to, ...invitationMail({ ...input, locale }, deps.origin), headers: { "X-FranceBadge-Kind": "invitation" } }, opts);
    },

    /**
     * Queues the notification of an award, in the recipient's language. `claimUrl` defaults to
     * the credential's page. Pass `db: tx` and `dedupeKey: "award-notification:" + credentialId`.
     */
    async sendAwardNotification(input: Addressed<Omit<AwardNotificationInput, "claimUrl">> & { claimUrl?: string; credentialId?: string }, opts: SendOptions = {}): Promise<QueuedMailRef> {
      const claimUrl = input.claimUrl ?? (input.credentialId ? `${deps.origin}/credentials/${input.credentialId}` : null);
      if (!claimUrl) throw new TypeError("sendAwardNotification: claimUrl or credentialId is required");
      const locale = await localeFor(input.to, input.locale, opts.db);
      return send({ to: input.to, ...awardNotificationMail({ ...input, claimUrl, locale }, deps.origin), headers: { "X-FranceBadge-Kind": "award-notification" } }, opts);
    },

    /**
     * Queues the notifications of a bulk award in a few statements (one per 100 e-mails), each
     * once per `dedupeKey`; otherwise as sendAwardNotification. Pass `db: tx`.
     */
    async sendAwardNotifications(inputs: Array<Addressed<Omit<AwardNotificationInput, "claimUrl">> & { credentialId: string; dedupeKey: string }>, opts: Pick<SendOptions, "db"> = {}): Promise<void> {
      const items = [];
      const locales = await localesFor(inputs, opts.db);
      for (const [n, { dedupeKey, ...input }] of inputs.entries()) {
        const locale = locales[n]!;
        const claimUrl = `${deps.origin}/credentials/${input.credentialId}`;
        const payload = payloadOf({ to: input.to, ...awardNotificationMail({ ...input, claimUrl, locale }, deps.origin), headers: { "X-FranceBadge-Kind": "award-notification" } });
        items.push({ payload, dedupeKey });
      }
      await deps.jobs.enqueueMany(MAIL_QUEUE, items, { maxAttempts: MAX_ATTEMPTS, db: opts.db });
      if (!opts.db) deps.jobs.wake();
    },

    /** Queues a one-time sign-in link. */
    async sendMagicLink(input: Addressed<MagicLinkMailInput>, opts: SendOptions = {}): Promise<QueuedMailRef> {
      const locale = await localeFor(input.to, input.locale, opts.db);
      return send({ to: input.to, ...magicLinkMail({ ...input, locale }, deps.origin), headers: { "X-FranceBadge-Kind": "magic-link" } }, opts);
    },

    /** Counts the outbox's messages per status (pending, running, done, failed). */
    countByStatus: () => deps.jobs.countByStatus(MAIL_QUEUE),
  };
}

export type MailService = ReturnType<typeof createMailService>;
