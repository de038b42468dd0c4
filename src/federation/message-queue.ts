import type { MessageQueue, MessageQueueEnqueueOptions, MessageQueueListenOptions } from "@fedify/fedify";
import { Temporal } from "@js-temporal/polyfill";
import type { JobQueue } from "../jobs/jobs.service.ts";
import type { Clock } from "../shared/clock.ts";

/** The jobs queue name that carries Fedify's outbox and fan-out messages. */
export const FEDIFY_QUEUE = "fedify";

/**
 * Fedify's message queue on our durable jobs table: a delivery survives a restart (a job left
 * "running" by a dead process is picked up again when its lock expires), retries with backoff
 * are Fedify's own (it re-enqueues with a delay, which becomes the job's `run_at`), and it shares
 * the node's worker pool with e-mail and bulk awards.
 *
 * `orderingKey` is not honoured: deliveries of one object may overtake each other, so receivers
 * compare OB `version`s and keep archived templates archived (see sharing.service.ts).
 */
export class JobsMessageQueue implements MessageQueue {
  // Failed sends are retried by Fedify (outboxRetryPolicy), not by the jobs table.
  readonly nativeRetrial = false;
  readonly #jobs: JobQueue;
  readonly #clock: Clock;

  constructor(jobs: JobQueue, clock: Clock) {
    this.#jobs = jobs;
    this.#clock = clock;
  }

  async enqueue(message: unknown, options?: MessageQueueEnqueueOptions): Promise<void> {
    await this.#jobs.enqueue(FEDIFY_QUEUE, message, { runAt: runAt(this.#clock, options), maxAttempts: 3 });
    this.#jobs.wake();
  }

  async enqueueMany(messages: readonly unknown[], options?: MessageQueueEnqueueOptions): Promise<void> {
    const at = runAt(this.#clock, options);
    for (const message of messages) await this.#jobs.enqueue(FEDIFY_QUEUE, message, { runAt: at, maxAttempts: 3 });
    this.#jobs.wake();
  }

  /** Registers Fedify's handler on the jobs queue; resolves when `signal` aborts (never otherwise). */
  listen(handler: (message: any) => Promise<void> | void, options?: MessageQueueListenOptions): Promise<void> {
    this.#jobs.register(FEDIFY_QUEUE, async (payload) => {
      await handler(payload);
    });
    return new Promise((resolve) => {
      if (options?.signal?.aborted) return resolve();
      options?.signal?.addEventListener("abort", () => resolve(), { once: true });
    });
  }
}

function runAt(clock: Clock, options?: MessageQueueEnqueueOptions): Date | undefined {
  if (!options?.delay) return undefined;
  const ms = Temporal.Duration.from(options.delay).round({ largestUnit: "hour" }).total({ unit: "millisecond" });
  return ms > 0 ? new Date(clock.now().getTime() + ms) : undefined;
}
