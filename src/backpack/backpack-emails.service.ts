import type { AccountsService } from "../accounts/accounts.service.ts";
import type { UserRow } from "../db/database.ts";
import type { Clock } from "../shared/clock.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { createRateLimiter } from "../verification/rate-limit.ts";

// Long enough to reach a mailbox one rarely opens (an old institutional one), short enough to expire.
const CONFIRM_TTL_MS = 24 * 3_600_000;
const PURPOSE = "email-add:";
// Each link goes to an address the learner may not own: a few mails per hour per account. Refusals
// (own) send nothing and are not counted; an address of another account is (a notice goes there).
const MAILS_AT_ONCE = 5;
const MAILS_PER_HOUR = 5;

/** The account's e-mail addresses as the SSO feature keeps them (user_emails). */
export interface EmailIdentities {
  ownerOfVerifiedEmail(email: string): Promise<string | undefined>;
  markEmailVerified(userId: string, email: string): Promise<void>;
  verifiedEmailsOf(userId: string): Promise<string[]>;
  removeEmail(userId: string, email: string): Promise<void>;
}

export interface BackpackEmailsDeps {
  clock: Clock;
  accounts: AccountsService;
  identities: EmailIdentities;
  sendEmailConfirmation: (to: string, confirmUrl: string, expiresAt: string) => Promise<unknown>;
  /** Tells an address of another account that someone tried to add it to theirs (no link in it). */
  sendAddressTakenNotice: (to: string) => Promise<unknown>;
  origin: string;
}

/** One address of the account, as the backpack lists it. */
export interface LearnerAddress {
  email: string;
  /** The account's sign-in address: it stays. */
  main: boolean;
}

export type AddressError = "own" | "taken" | "invalid-link" | "main" | "last" | "unknown";
/** Too many confirmation mails asked for: nothing sent, try again after that many seconds. */
export type MailLimited = { limited: true; retryAfterSeconds: number };

/** A learner's extra e-mail addresses: added by a one-time link sent to them, so badges issued there show up. */
export function createBackpackEmails(deps: BackpackEmailsDeps) {
  const mails = createRateLimiter({ capacity: MAILS_AT_ONCE, perSecond: MAILS_PER_HOUR / 3600 });

  // Another account already holds the address (verified, or as its sign-in address).
  async function takenByOther(user: UserRow, email: string): Promise<boolean> {
    const owner = await deps.identities.ownerOfVerifiedEmail(email);
    if (owner && owner !== user.id) return true;
    const account = await deps.accounts.findByEmail(email);
    return !!account && account.id !== user.id;
  }

  async function addresses(user: UserRow): Promise<LearnerAddress[]> {
    const extra = (await deps.identities.verifiedEmailsOf(user.id)).filter((e) => e !== user.email);
    return [{ email: user.email, main: true }, ...extra.sort().map((email) => ({ email, main: false }))];
  }

  return {
    addresses,

    /** Mails a confirmation link to a new address; nothing is attached until it is followed. */
    async requestAddress(user: UserRow, rawEmail: string): Promise<Result<{ email: string }, AddressError | MailLimited>> {
      const email = rawEmail.trim().toLowerCase();
      if ((await addresses(user)).some((a) => a.email === email)) return err("own");
      const taken = mails.take(user.id);
      if (!taken.ok) return err({ limited: true, retryAfterSeconds: taken.retryAfterSeconds });
      // The same answer as for a free address (as sign-in does): no one learns which addresses have
      // an account here. The holder of the address is told instead; no link, so nothing can be attached.
      if (await takenByOther(user, email)) {
        await deps.sendAddressTakenNotice(email);
        return ok({ email });
      }
      const token = await deps.accounts.issueToken(user.id, PURPOSE + email, CONFIRM_TTL_MS);
      await deps.sendEmailConfirmation(email, `${deps.origin}/backpack/addresses/confirm/${token}`, new Date(deps.clock.now().getTime() + CONFIRM_TTL_MS).toISOString());
      return ok({ email });
    },

    /** Spends a confirmation link (signed in as the account that asked): the address is verified and attached. */
    async confirmAddress(user: UserRow, token: string): Promise<Result<{ email: string }, AddressError>> {
      // Spent only by the account that asked, and only as an address link: opened from another
      // account (or a sign-in link posted here), it stays usable.
      const purpose = await deps.accounts.consumeLinkOf(token, user.id, PURPOSE);
      if (!purpose) return err("invalid-link");
      const email = purpose.slice(PURPOSE.length);
      // Checked again: another account may have verified it since the link went out.
      if (await takenByOther(user, email)) return err("taken");
      await deps.identities.markEmailVerified(user.id, email);
      if ((await deps.identities.ownerOfVerifiedEmail(email)) !== user.id) return err("taken");
      return ok({ email });
    },

    /** Removes an extra address; the sign-in address and the last address stay. */
    async removeAddress(user: UserRow, rawEmail: string): Promise<Result<void, AddressError>> {
      const email = rawEmail.trim().toLowerCase();
      const list = await addresses(user);
      const found = list.find((a) => a.email === email);
      if (!found) return err("unknown");
      if (list.length <= 1) return err("last");
      if (found.main) return err("main");
      await deps.identities.removeEmail(user.id, email);
      return ok(undefined);
    },
  };
}

export type BackpackEmails = ReturnType<typeof createBackpackEmails>;
