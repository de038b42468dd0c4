// The network side of the partner rules (FederationNetwork), over Fedify: actor lookups and the
// Follow / Undo / Accept / Reject deliveries, queued like every other delivery.
import type { Context, Federation } from "@fedify/fedify";
import { Accept, Announce, Follow, Reject, Undo, type Object as APObject } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import { newId } from "../shared/tokens.ts";
import type { FederationNetwork, RemoteActor } from "./federation.service.ts";
import { toEndorsementCreate, toEndorsementDelete, toRecipient, toRemoteActor } from "./vocab.ts";

const log = getLogger(["francebadge", "federation"]);

export interface NetworkDeps {
  federation: () => Federation<void>;
  origin: string;
  /** Development only (loopback nodes): WebFinger over http when https finds nothing. */
  allowHttpWebFinger: boolean;
}

// Fedify's WebFinger client always uses https for acct: handles; two local nodes speak http.
async function webFingerOverHttp(ctx: Context<void>, handle: string): Promise<APObject | null> {
  const host = handle.split("@")[1];
  if (!host) return null;
  const res = await fetch(`http://${host}/.well-known/webfinger?resource=${encodeURIComponent("acct:" + handle)}`, { headers: { Accept: "application/jrd+json" } });
  if (!res.ok) return null;
  const jrd = (await res.json()) as { links?: { rel?: string; type?: string; href?: string }[] };
  const self = jrd.links?.find((l) => l.rel === "self" && l.href && /activity\+json|activitystreams/.test(l.type ?? ""));
  return self?.href ? ctx.lookupObject(self.href) : null;
}

/** The Fedify implementation of what the partner rules send and look up. */
export function createNetwork(deps: NetworkDeps): FederationNetwork {
  const ctx = () => deps.federation().createContext(new URL(deps.origin), undefined);
  const actorUri = (slug: string) => ctx().getActorUri(slug);
  const theirFollow = (slug: string, remote: RemoteActor, followId: string) =>
    new Follow({ id: new URL(followId), actor: new URL(remote.id), object: actorUri(slug) });
  const newActivityId = (slug: string, kind: string) => `${actorUri(slug).href}#${kind}/${newId()}`;

  return {
    newActivityId,

    async lookupActor(target: string): Promise<RemoteActor | null> {
      const c = ctx();
      try {
        if (/^https?:\/\//i.test(target)) return toRemoteActor(await c.lookupObject(target));
        const handle = target.replace(/^acct:/i, "").replace(/^@/, "");
        if (!/^[^@\s]+@[^@\s]+$/.test(handle)) return null;
        const found = await c.lookupObject(`acct:${handle}`);
        if (found || !deps.allowHttpWebFinger) return toRemoteActor(found);
        return toRemoteActor(await webFingerOverHttp(c, handle));
      } catch (error) {
        log.info("Lookup of {target} failed: {error}", { target, error });
        return null;
      }
    },

    async sendFollow(slug, remote, followId) {
      const follow = new Follow({ id: new URL(followId), actor: actorUri(slug), object: new URL(remote.id) });
      await ctx().sendActivity({ identifier: slug }, toRecipient(remote), follow);
    },

    async sendUndoFollow(slug, remote, followId) {
      const follow = new Follow({ id: new URL(followId), actor: actorUri(slug), object: new URL(remote.id) });
      await ctx().sendActivity({ identifier: slug }, toRecipient(remote), new Undo({ id: new URL(newActivityId(slug, "undo")), actor: actorUri(slug), object: follow }));
    },

    async sendAccept(slug, remote, followId) {
      const accept = new Accept({ id: new URL(newActivityId(slug, "accept")), actor: actorUri(slug), object: theirFollow(slug, remote, followId) });
      await ctx().sendActivity({ identifier: slug }, toRecipient(remote), accept);
    },

    async sendReject(slug, remote, followId) {
      const reject = new Reject({ id: new URL(newActivityId(slug, "reject")), actor: actorUri(slug), object: theirFollow(slug, remote, followId) });
      await ctx().sendActivity({ identifier: slug }, toRecipient(remote), reject);
    },

    async sendAnnounce(slug, remote, objectId, activityId) {
      const announce = new Announce({ id: new URL(activityId), actor: actorUri(slug), object: new URL(objectId), to: new URL(remote.id) });
      await ctx().sendActivity({ identifier: slug }, toRecipient(remote), announce);
    },

    async sendEndorsement(slug, owner, doc) {
      const c = ctx();
      const create = toEndorsementCreate(c, slug, new URL(owner.id), doc);
      await c.sendActivity({ identifier: slug }, toRecipient(owner), create);
      await c.sendActivity({ identifier: slug }, "followers", create, { preferSharedInbox: true, excludeBaseUris: [new URL(owner.id)] });
    },

    async sendEndorsementDelete(slug, owner, doc) {
      const c = ctx();
      const del = toEndorsementDelete(c, slug, new URL(owner.id), doc);
      await c.sendActivity({ identifier: slug }, toRecipient(owner), del);
      await c.sendActivity({ identifier: slug }, "followers", del, { preferSharedInbox: true, excludeBaseUris: [new URL(owner.id)] });
    },
  };
}
