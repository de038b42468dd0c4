/** The time source services receive, so tests can move it. */
export interface Clock {
  now(): Date;
}

/** The real clock. */
export const systemClock: Clock = { now: () => new Date() };

/** ISO-8601 UTC text, the timestamp format of every table. */
export function isoNow(clock: Clock): string {
  return clock.now().toISOString();
}

/** ISO-8601 UTC text `ms` milliseconds after the clock's now. */
export function isoIn(clock: Clock, ms: number): string {
  return new Date(clock.now().getTime() + ms).toISOString();
}
