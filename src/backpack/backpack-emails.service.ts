import type { AccountsService } from "../accounts/accounts.service.ts";
import type { UserRow } from "../db/database.ts";
import type { Clock } from "../shared/clock.ts";
import { err, ok, type Result } from "../shared/result.ts";

// Long enough to reach a mailbox one rarely opens (an old institutional one), short enough to expire.
const CONFIRM_TTL_MS = 24 * 3_600_000;
const PURPOSE = "email-add:";

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
  origin: string;
}

/** One address of the account, as the backpack lists it. */
export interface LearnerAddress {
  email: string;
  /** The account's sign-in address: it stays. */
  main: boolean;
}

export type AddressError = "own" | "taken" | "invalid-link" | "main" | "last" | "unknown";

/** A learner's extra e-mail addresses: added by a one-time link sent to them, so badges issued there show up. */
export function createBackpackEmails(deps: BackpackEmailsDeps) {
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
    async requestAddress(user: UserRow, rawEmail: string): Promise<Result<{ email: string }, AddressError>> {
      const email = rawEmail.trim().toLowerCase();
      if ((await addresses(user)).some((a) => a.email === email)) return err("own");
      if (await takenByOther(user, email)) return err("taken");
      const token = await deps.accounts.issueToken(user.id, PURPOSE + email, CONFIRM_TTL_MS);
      await deps.sendEmailConfirmation(email, `${deps.origin}/backpack/addresses/confirm/${token}`, new Date(deps.clock.now().getTime() + CONFIRM_TTL_MS).toISOString());
      return ok({ email });
    },

    /** Spends a confirmation link (signed in as the account that asked): the address is verified and attached. */
    async confirmAddress(user: UserRow, token: string): Promise<Result<{ email: string }, AddressError>> {
      const spent = await deps.accounts.consumeLink(token);
      if (!spent?.purpose.startsWith(PURPOSE) || spent.user_id !== user.id) return err("invalid-link");
      const email = spent.purpose.slice(PURPOSE.length);
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
