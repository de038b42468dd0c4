import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

// A real SMTP server inside the test process (smtp-server, see ../shared/research/realparts.md §4):
// it accepts any login, parses each message with mailparser and keeps it. Recipients choose
// the server's answer: …@bounce.test gets 550 (no such user) on RCPT TO; …@greylist.test gets
// 451 (try again later) the first time, then is accepted.

/** One message the sink accepted. */
export interface SinkMessage {
  parsed: ParsedMail;
  raw: Buffer;
  envelope: { from: string; to: string[] };
  /** The login the client used, if any. */
  user: string | null;
}

export interface SmtpSink {
  port: number;
  messages: SinkMessage[];
  /** Refused RCPT TO addresses, with the code sent. */
  refused: Array<{ address: string; code: number }>;
  /** Waits until `count` messages arrived (in all), or fails after `ms`. */
  waitFor(count: number, ms?: number): Promise<SinkMessage[]>;
  close(): Promise<void>;
}

/** Starts the sink on 127.0.0.1 (`port` 0: a free port). */
export async function startSmtpSink(port = 0): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const refused: SmtpSink["refused"] = [];
  const greylisted = new Set<string>();
  const refuse = (address: string, code: number, text: string) => {
    refused.push({ address, code });
    return Object.assign(new Error(text), { responseCode: code });
  };
  const server = new SMTPServer({
    authOptional: true, allowInsecureAuth: true, disabledCommands: ["STARTTLS"], logger: false,
    onAuth: (auth, _session, cb) => cb(null, { user: auth.username }),
    onRcptTo: (address, _session, cb) => {
      const to = address.address.toLowerCase();
      if (to.endsWith("@bounce.test")) return cb(refuse(to, 550, "No such user here"));
      if (to.endsWith("@greylist.test") && !greylisted.has(to)) {
        greylisted.add(to);
        return cb(refuse(to, 451, "Greylisted, try again later"));
      }
      cb();
    },
    onData: (stream, session, cb) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then((parsed) => {
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
          messages.push({ parsed, raw, envelope: { from, to: session.envelope.rcptTo.map((r) => r.address) }, user: (session.user as string | undefined) ?? null });
          cb();
        }, cb);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const sink: SmtpSink = {
    port: (server.server.address() as AddressInfo).port,
    messages, refused,
    async waitFor(count, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`SMTP sink: ${messages.length} message(s) after ${ms} ms, ${count} expected`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return messages;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return sink;
}

/**
 * Runs a node's job queue (a test node does not poll) until the n-th message of a kind
 * (`X-FranceBadge-Kind`) to `to` arrives in the sink; fails after 15 s.
 */
export async function mailOfKind(sink: SmtpSink, jobs: { tick(): Promise<unknown> }, to: string, kind: string, nth = 1): Promise<SinkMessage> {
  for (const deadline = Date.now() + 15_000; ;) {
    const found = sink.messages.filter((m) => m.envelope.to.includes(to) && m.parsed.headers.get("x-francebadge-kind") === kind);
    if (found.length >= nth) return found[nth - 1]!;
    if (Date.now() > deadline) throw new Error(`no ${kind} mail to ${to} (${sink.messages.length} in the sink)`);
    await jobs.tick();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The first link of a message's text matching `pattern`, or "" when there is none. */
export function linkIn(message: SinkMessage, pattern: RegExp): string {
  return (message.parsed.text ?? "").match(pattern)?.[0] ?? "";
}
