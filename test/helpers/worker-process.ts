// Crash tests run real work in a child Node process, wait for it to say how far it got, then kill it.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

/** A worker process that has printed its first line; `exited` gives the signal that ended it. */
export interface WorkerRun {
  child: ChildProcess;
  line: string;
  exited: Promise<NodeJS.Signals | null>;
}

/** Runs `script` in a new Node process until it prints a line; fails (with its stderr) if it exits or is silent for `ms`. */
export async function spawnUntilFirstLine(script: string, args: string[], ms: number, silent: string): Promise<WorkerRun> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += d; });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
  let timer: NodeJS.Timeout | undefined;
  try {
    const line = await Promise.race([
      new Promise<string>((resolve) => createInterface({ input: child.stdout }).once("line", resolve)),
      exited.then((): never => { throw new Error(`worker exited early: ${stderr}`); }),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`${silent}: ${stderr}`)); }, ms);
      }),
    ]);
    return { child, line, exited };
  } finally {
    clearTimeout(timer);
  }
}
