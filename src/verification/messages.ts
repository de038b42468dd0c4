import type { Translate } from "../i18n/i18n.ts";
import type { Message } from "./checks/check-types.ts";
import type { VerificationReport } from "./verification.service.ts";

/** Renders a check message in the reader's language, its nested cause first. */
export function renderMessage(t: Translate, m: Message): string {
  const cause = m.cause ? renderMessage(t, m.cause) : undefined;
  return t(m.key, { ...(m.params ?? {}), ...(cause !== undefined ? { cause } : {}) });
}

/** The public answer of POST /api/v1/verify: `{ verified, verdict, kind, checks: [{ check, status, message }] }`. */
export function reportForApi(t: Translate, report: VerificationReport) {
  return {
    verified: report.verified,
    verdict: report.summary.verdict,
    kind: report.kind,
    ...(report.summary.reason ? { reason: report.summary.reason } : {}),
    checks: report.checks.map((c) => ({ check: c.check, status: c.status, message: renderMessage(t, c.message) })),
  };
}
