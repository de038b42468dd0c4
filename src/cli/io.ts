import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { err, ok, type Result } from "../shared/result.ts";

export type SecretError = "no-input" | "mismatch";

/** Where a command writes its results and reads its secrets (the process streams, or fakes). */
export interface CliIo {
  out(line?: string): void;
  err(line: string): void;
  /** Reads a secret: the first line of stdin when piped; typed twice without echo on a terminal. */
  readSecret(prompt: string, confirmPrompt: string): Promise<Result<string, SecretError>>;
}

/** The real standard streams of this process. */
export function processIo(): CliIo {
  return {
    out: (line = "") => void process.stdout.write(line + "\n"),
    err: (line) => void process.stderr.write(line + "\n"),
    readSecret: (prompt, confirmPrompt) => readSecret(process.stdin, prompt, confirmPrompt),
  };
}

// On a terminal readline echoes what is typed to `output`: sending it to a sink hides the password.
async function readSecret(stdin: NodeJS.ReadStream, prompt: string, confirmPrompt: string): Promise<Result<string, SecretError>> {
  const tty = stdin.isTTY === true;
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: stdin, output: sink, terminal: tty });
  // Ctrl+C in raw mode arrives as an event, not a signal: give up reading.
  rl.on("SIGINT", () => rl.close());
  const lines = rl[Symbol.asyncIterator]();
  try {
    if (tty) process.stderr.write(prompt);
    const first = await lines.next();
    if (tty) process.stderr.write("\n");
    if (first.done) return err("no-input");
    if (!tty) return ok(first.value);
    process.stderr.write(confirmPrompt);
    const second = await lines.next();
    process.stderr.write("\n");
    // A typo in a hidden password would lock the administrator out: refuse a mismatch.
    if (second.done) return err("no-input");
    return second.value === first.value ? ok(first.value) : err("mismatch");
  } finally {
    rl.close();
  }
}
