// Actors and their collections: each issuer is an `Organization` at its profile URL, the node
// itself an `Application`; followers, following and outbox; template Documents; NodeInfo.
import type { ActorKeyPair, Federation, RequestContext } from "@fedify/fedify";
import { Application, Create, Document, Endpoints, Image, Organization } from "@fedify/vocab";
import type { AchievementsService } from "../achievements/achievements.service.ts";
import type { IssuerRow } from "../db/database.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import type { ActorKeys } from "./actor-keys.ts";
import { NODE_KEY_OWNER } from "./actor-keys.ts";
import type { FederationService } from "./federation.service.ts";
import type { SharingService } from "./sharing.service.ts";
import type { FrameworkSharingService } from "./framework-sharing.service.ts";
import { toFrameworkActivity } from "./framework-vocab.ts";
import { toRecipient, toTemplateActivity, toTemplateDocument } from "./vocab.ts";

/** The identifier of the node's own Application actor (not a valid issuer slug, so never taken). */
export const NODE_ACTOR = "_node";

const PAGE = 50;
// Frameworks are big (a CASE package and three CSV files each, 70–300 KB): few per outbox page.
const FRAMEWORK_PAGE = 5;
const FRAMEWORK_CURSOR = "f:";

export interface ActorsDeps {
  issuers: IssuersService;
  achievements: AchievementsService;
  partners: FederationService;
  sharing: SharingService;
  /** Its frameworks are listed in the outbox after the templates, a few per page. */
  frameworkSharing?: FrameworkSharingService;
  actorKeys: ActorKeys;
  version: string;
}

function organization(ctx: RequestContext<void>, issuer: IssuerRow, keys: ActorKeyPair[], manual: boolean): Organization {
  const id = ctx.getActorUri(issuer.slug);
  return new Organization({
    id, preferredUsername: issuer.slug, name: issuer.name, summary: issuer.description || null, url: id,
    icon: issuer.logo_url ? new Image({ url: new URL(issuer.logo_url) }) : null,
    inbox: ctx.getInboxUri(issuer.slug), outbox: ctx.getOutboxUri(issuer.slug),
    followers: ctx.getFollowersUri(issuer.slug), following: ctx.getFollowingUri(issuer.slug),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }), manuallyApprovesFollowers: manual,
    // RSA first: `publicKey` serves HTTP Signatures; every key as a Multikey (FEP-521a).
    publicKey: keys[0]?.cryptographicKey ?? null, assertionMethods: keys.map((k) => k.multikey),
  });
}

/** Registers the actor, key, collection, object and NodeInfo dispatchers. */
export function registerActors(federation: Federation<void>, d: ActorsDeps): void {
  const issuerOf = (identifier: string) => (identifier === NODE_ACTOR ? Promise.resolve(undefined) : d.issuers.findBySlug(identifier));

  federation
    .setActorDispatcher("/issuers/{identifier}", async (ctx, identifier) => {
      const keys = identifier === NODE_ACTOR || (await issuerOf(identifier)) ? await ctx.getActorKeyPairs(identifier) : [];
      if (identifier === NODE_ACTOR) {
        return new Application({
          id: ctx.getActorUri(NODE_ACTOR), preferredUsername: ctx.hostname, name: `FranceBadge ${ctx.host}`,
          inbox: ctx.getInboxUri(NODE_ACTOR), outbox: ctx.getOutboxUri(NODE_ACTOR),
          endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }), manuallyApprovesFollowers: true,
          publicKey: keys[0]?.cryptographicKey ?? null, assertionMethods: keys.map((k) => k.multikey),
        });
      }
      const issuer = await issuerOf(identifier);
      if (!issuer) return null;
      return organization(ctx, issuer, keys, (await d.partners.policyOf(issuer.id)) === "manual");
    })
    .mapHandle(async (ctx, username) => (username === ctx.hostname ? NODE_ACTOR : (await d.issuers.findBySlug(username)) ? username : null))
    .setKeyPairsDispatcher(async (_ctx, identifier) => {
      const owner = identifier === NODE_ACTOR ? NODE_KEY_OWNER : (await issuerOf(identifier))?.id;
      return owner ? d.actorKeys.pairs(owner) : [];
    });

  federation
    .setFollowersDispatcher("/issuers/{identifier}/followers", async (_ctx, identifier, cursor) => {
      const issuer = await issuerOf(identifier);
      if (!issuer) return null;
      // cursor null: every recipient at once, which sendActivity(…, "followers") relies on.
      const all = (await d.partners.recipients(issuer.id)).map(toRecipient);
      if (cursor === null) return { items: all };
      const from = Number(cursor) || 0;
      return { items: all.slice(from, from + PAGE), nextCursor: from + PAGE < all.length ? String(from + PAGE) : null };
    })
    .setCounter(async (_ctx, identifier) => {
      const issuer = await issuerOf(identifier);
      return issuer ? d.partners.countFollowers(issuer.id) : null;
    })
    .setFirstCursor(() => "0");

  federation.setFollowingDispatcher("/issuers/{identifier}/following", async (_ctx, identifier) => {
    const issuer = await issuerOf(identifier);
    if (!issuer) return null;
    return { items: (await d.partners.following(issuer.id)).filter((f) => f.state === "accepted").map((f) => new URL(f.actor_id)) };
  });

  registerOutbox(federation, d, issuerOf);

  federation.setObjectDispatcher(Document, "/ap/achievements/{id}", async (ctx, values) => {
    const a = await d.achievements.load(values.id);
    if (!a || a.row.status !== "published") return null;
    const t = await d.sharing.outgoing({ achievementId: a.row.id, issuerId: a.row.issuer_id, kind: "create", version: a.version });
    return t ? toTemplateDocument(ctx, t) : null;
  });

  federation.setNodeInfoDispatcher("/nodeinfo/2.1", async () => {
    const [issuers, templates] = await Promise.all([d.issuers.tree(), d.achievements.search({ perPage: 1 })]);
    return {
      software: { name: "francebadge", version: d.version },
      protocols: ["activitypub"],
      usage: { users: { total: issuers.length }, localPosts: templates.total, localComments: 0 },
      openRegistrations: false,
      metadata: { openBadges: "3.0", templateMediaType: "application/ld+json" },
    };
  });
}

// The outbox lists a Create for every template and framework published now (not a history), so a
// new partner can fill its catalogue from it. Cursors: "N" pages templates from offset N; the last
// template page also carries the first frameworks, then "f:N" pages frameworks from offset N.
function registerOutbox(federation: Federation<void>, d: ActorsDeps, issuerOf: (id: string) => Promise<IssuerRow | undefined>): void {
  const frameworksFrom = async (ctx: RequestContext<void>, issuerId: string, from: number) => {
    const page = d.frameworkSharing ? await d.frameworkSharing.publishedOf(issuerId, from, FRAMEWORK_PAGE) : { items: [], total: 0 };
    const next = from + FRAMEWORK_PAGE < page.total ? `${FRAMEWORK_CURSOR}${from + FRAMEWORK_PAGE}` : null;
    return { items: page.items.map((f) => toFrameworkActivity(ctx, f) as Create), next };
  };
  federation
    .setOutboxDispatcher("/issuers/{identifier}/outbox", async (ctx, identifier, cursor) => {
      const issuer = await issuerOf(identifier);
      if (!issuer || cursor === null) return null;
      if (cursor.startsWith(FRAMEWORK_CURSOR)) {
        const frameworks = await frameworksFrom(ctx, issuer.id, Math.max(0, Number(cursor.slice(FRAMEWORK_CURSOR.length)) || 0));
        return { items: frameworks.items, nextCursor: frameworks.next };
      }
      const from = Math.max(0, Number(cursor) || 0);
      const page = await d.sharing.publishedOf(issuer.id, from, PAGE);
      const templates = page.items.map((t) => toTemplateActivity(ctx, t) as Create);
      if (from + PAGE < page.total) return { items: templates, nextCursor: String(from + PAGE) };
      const frameworks = await frameworksFrom(ctx, issuer.id, 0);
      return { items: [...templates, ...frameworks.items], nextCursor: frameworks.next };
    })
    .setCounter(async (_ctx, identifier) => {
      const issuer = await issuerOf(identifier);
      if (!issuer) return null;
      const [templates, frameworks] = await Promise.all([
        d.achievements.search({ perPage: 1 }, { issuerIds: [issuer.id] }), d.frameworkSharing ? d.frameworkSharing.countPublished(issuer.id) : 0,
      ]);
      return templates.total + frameworks;
    })
    .setFirstCursor(() => "0");
}
