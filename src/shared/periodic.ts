import { getLogger } from "@logtape/logtape";

const log = getLogger(["francebadge", "periodic"]);

// Housekeeping that only deletes what has expired (sessions, login attempts and tokens, SAML
// request ids) needs no durable queue: a missed run is made up by the next one, and two nodes
// running it at once delete the same rows. A plain timer, one run at a time, stopped with the node.

/** A task run every `intervalMs` (first run after `firstDelayMs`); `stop()` waits for a run under way. */
export interface Periodic {
  /** Runs the task now (if no run is under way) and waits for it. */
  runNow(): Promise<void>;
  /** No more runs; resolves once a run under way has finished. */
  stop(): Promise<void>;
}

/** Starts a periodic task; its failures are logged, never thrown, and the next run still comes. */
export function startPeriodic(name: string, task: () => Promise<unknown>, intervalMs: number, firstDelayMs = intervalMs): Periodic {
  let stopped = false;
  let current: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  function runNow(): Promise<void> {
    current ??= task()
      .then(() => undefined, (error: unknown) => log.error("Periodic task {name} failed: {error}", { name, error }))
      .finally(() => { current = undefined; });
    return current;
  }

  function schedule(ms: number): void {
    if (stopped) return;
    // unref: a pending purge never keeps the process alive on its own.
    timer = setTimeout(() => void runNow().then(() => schedule(intervalMs)), ms);
    timer.unref();
  }

  schedule(firstDelayMs);
  return {
    runNow,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}

/** Hourly: what each service forgets once expired (sessions, attempts, login links, SAML request ids). */
export const PURGE_INTERVAL_MS = 3600_000;

/** Starts the periodic purge of the services that keep expiring rows, one after the other. */
export function startPurges(services: Array<{ purge(): Promise<unknown> }>, intervalMs = PURGE_INTERVAL_MS, firstDelayMs = 60_000): Periodic {
  return startPeriodic("purge", async () => {
    for (const s of services) await s.purge();
  }, intervalMs, firstDelayMs);
}
