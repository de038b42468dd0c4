import { line, type Check } from "./check-types.ts";

// A date string a verifier can trust: ISO 8601 with a time zone (XSD dateTimeStamp).
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function parse(value: unknown): number | null | "bad" {
  if (value === undefined || value === null) return null;
  if (typeof value === "number") return value * 1000; // JWT NumericDate
  if (typeof value !== "string" || !DATE_TIME.test(value)) return "bad";
  const t = Date.parse(value);
  return Number.isNaN(t) ? "bad" : t;
}

/** Checks validity dates: `from` not in the future, `until` not past (VC 2.0 validFrom/validUntil, VC 1.1 and OB 2.0 equivalents). */
export function checkDates(from: unknown, until: unknown, now: Date): Check {
  const start = parse(from), end = parse(until);
  if (start === "bad" || end === "bad") return line("dates", "fail", "verification.dates.malformed", { value: String(start === "bad" ? from : until) });
  const iso = (t: number) => new Date(t).toISOString();
  if (start !== null && start > now.getTime()) return line("dates", "fail", "verification.dates.notYet", { date: iso(start) }, { outcome: "not-yet-valid" });
  if (end !== null && end < now.getTime()) return line("dates", "fail", "verification.dates.expired", { date: iso(end) }, { outcome: "expired" });
  if (start === null) return line("dates", "warn", "verification.dates.noStart");
  return end === null
    ? line("dates", "pass", "verification.dates.validSince", { from: iso(start) })
    : line("dates", "pass", "verification.dates.validUntil", { from: iso(start), until: iso(end) });
}
