/** Token-bucket settings: `capacity` requests at once, refilled at `perSecond`. */
export interface RateLimitOptions {
  capacity: number;
  perSecond: number;
  /** Buckets kept at most (full ones are dropped first when there are more). */
  maxKeys?: number;
  now?: () => number;
}

/** One bucket per key (a client address), in memory: enough for one node process. */
export function createRateLimiter(o: RateLimitOptions) {
  const now = o.now ?? Date.now;
  const maxKeys = o.maxKeys ?? 10_000;
  const buckets = new Map<string, { tokens: number; at: number }>();

  function refill(b: { tokens: number; at: number }, t: number) {
    b.tokens = Math.min(o.capacity, b.tokens + ((t - b.at) / 1000) * o.perSecond);
    b.at = t;
  }

  // Buckets back to full are the same as no bucket: forget them before anyone else.
  function prune(t: number) {
    for (const [key, b] of buckets) {
      refill(b, t);
      if (b.tokens >= o.capacity) buckets.delete(key);
    }
    while (buckets.size >= maxKeys) buckets.delete(buckets.keys().next().value!);
  }

  return {
    /** Takes one token; when none is left, says how many seconds until the next one. */
    take(key: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
      const t = now();
      let b = buckets.get(key);
      if (!b) {
        if (buckets.size >= maxKeys) prune(t);
        b = { tokens: o.capacity, at: t };
        buckets.set(key, b);
      }
      refill(b, t);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / o.perSecond)) };
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
