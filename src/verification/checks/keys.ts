import * as Ed25519Multikey from "@digitalbazaar/ed25519-multikey";
import { err, ok, type Result } from "../../shared/result.ts";
import { asArray, asObject, fetchProblem, idOf, type DocumentSource, type Message } from "./check-types.ts";

// How a proof's verificationMethod becomes a public key (ob3.md §1.11, "How real verifiers
// resolve proof.verificationMethod"). The resolved key is handed to the proof library as two
// small normalised documents (the method and its controller), so the library never fetches
// anything itself and every failure is explained here in our own words.

const DID_V1 = "https://www.w3.org/ns/did/v1";
const MULTIKEY_V1 = "https://w3id.org/security/multikey/v1";

/** A verification method resolved to an Ed25519 public key. */
export interface ResolvedKey {
  vmId: string;
  /** "https": a key URL or a controller document's entry; "fragment": read from the URL itself (1EdTech samples). */
  how: "https" | "did:key" | "did:web" | "fragment";
  /** False when nothing published by the controller confirms the key (the 1EdTech `issuer#z6Mk…` style). */
  confirmed: boolean;
  controller: string;
  /** Why confirmation was impossible (for "fragment"). */
  unconfirmedBecause?: Message;
  /** Documents the proof library reads: the verification method and its controller, by URL. */
  documents: Array<[string, unknown]>;
}

const fail = (key: string, params: Record<string, string | number>, cause?: Message): Result<never, Message> =>
  err({ key, params, ...(cause ? { cause } : {}) } as Message);

// Any Ed25519 representation (Multikey, Ed25519VerificationKey2020, JWK) as a multibase key, or null.
async function ed25519Multibase(vm: Record<string, any>): Promise<string | null> {
  try {
    const key = await Ed25519Multikey.from({ ...vm, "@context": undefined });
    const exported = await key.export({ publicKey: true });
    return typeof exported.publicKeyMultibase === "string" ? exported.publicKeyMultibase : null;
  } catch {
    return null;
  }
}

function normalised(vmId: string, controller: string, publicKeyMultibase: string): Array<[string, unknown]> {
  const vm = { id: vmId, type: "Multikey", controller, publicKeyMultibase };
  // The DID v1 context first: jsonld-signatures then reads assertionMethod without framing (ob3.md §1.11).
  if (vmId === controller) return [[vmId, { "@context": [DID_V1, MULTIKEY_V1], ...vm, assertionMethod: [vmId] }]];
  return [
    [vmId, { "@context": MULTIKEY_V1, ...vm }],
    [controller, { "@context": [DID_V1, MULTIKEY_V1], id: controller, verificationMethod: [vm], assertionMethod: [vmId] }],
  ];
}

const absolute = (id: string | undefined, base: string) => (id?.startsWith("#") ? base + id : id);

// The entry of a controller document (DID document, issuer Profile) that is this method, and
// whether the document authorises it for assertions (credentials are signed for "assertionMethod").
function findMethod(doc: Record<string, any>, vmId: string): { vm: Record<string, any> | null; authorised: boolean } {
  const base = String(doc.id ?? vmId.split("#")[0]);
  const embedded = [...asArray(doc.verificationMethod), ...asArray(doc.assertionMethod), ...asArray(doc.publicKey)]
    .map(asObject).filter((v): v is Record<string, any> => !!v);
  const vm = embedded.find((v) => absolute(idOf(v), base) === vmId) ?? null;
  const authorised = asArray(doc.assertionMethod).some((a) => absolute(idOf(a), base) === vmId);
  return { vm, authorised };
}

async function didKey(vmId: string): Promise<Result<ResolvedKey, Message>> {
  const [did = "", fragment] = vmId.split("#");
  const multibase = did.slice("did:key:".length);
  if (fragment !== undefined && fragment !== multibase) return fail("verification.key.didKeyFragment", { vm: vmId });
  if (!(await ed25519Multibase({ type: "Multikey", publicKeyMultibase: multibase }))) return fail("verification.key.unsupportedKey", { vm: vmId });
  // A did:key is its own DID document: the key is in the identifier, nothing is fetched.
  return ok({ vmId, how: "did:key", confirmed: true, controller: did, documents: normalised(vmId, did, multibase) });
}

/** did:web → the URL of its DID document (DID Web method §3.2: ":" is "/", "%3A" a port separator). */
export function didWebUrl(did: string): string | null {
  let parts: string[];
  try {
    parts = did.slice("did:web:".length).split(":").map(decodeURIComponent);
  } catch {
    return null; // a malformed %-escape
  }
  const [host, ...path] = parts;
  if (!host || /[/?#@]/.test(host)) return null;
  return path.length ? `https://${host}/${path.join("/")}/did.json` : `https://${host}/.well-known/did.json`;
}

// Reads a key out of a controller document (issuer Profile or DID document) fetched at `docUrl`.
async function fromControllerDocument(vmId: string, doc: Record<string, any>, how: ResolvedKey["how"]): Promise<Result<ResolvedKey, Message>> {
  const { vm, authorised } = findMethod(doc, vmId);
  if (!vm) return fail("verification.key.notListed", { vm: vmId, doc: String(doc.id ?? "") });
  if (vm.revoked) return fail("verification.key.revoked", { vm: vmId, date: String(vm.revoked) });
  if (!authorised) return fail("verification.key.notAuthorised", { vm: vmId, controller: String(doc.id ?? "") });
  const multibase = await ed25519Multibase(vm);
  if (!multibase) return fail("verification.key.unsupportedKey", { vm: vmId });
  const controller = typeof vm.controller === "string" ? vm.controller : String(doc.id);
  return ok({ vmId, how, confirmed: true, controller, documents: normalised(vmId, controller, multibase) });
}

async function didWeb(vmId: string, source: DocumentSource): Promise<Result<ResolvedKey, Message>> {
  const did = vmId.split("#")[0]!;
  const url = didWebUrl(did);
  if (!url) return fail("verification.key.badDid", { vm: vmId });
  const got = await source.json(url);
  if (!got.ok) return fail("verification.key.didWebUnresolved", { vm: vmId, url }, fetchProblem(got.error));
  const doc = asObject(got.value.json);
  if (!doc || doc.id !== did) return fail("verification.key.didWebMismatch", { vm: vmId, url });
  return fromControllerDocument(vmId, doc, "did:web");
}

// `https://issuer#z6Mk…`: the controller document decides when it can be read; otherwise the key
// is taken from the fragment, as the 1EdTech validator does — but reported as unconfirmed.
async function fragmentKey(vmId: string, base: string, fragment: string, source: DocumentSource): Promise<Result<ResolvedKey, Message>> {
  const got = await source.json(base);
  const doc = got.ok ? asObject(got.value.json) : null;
  if (doc) return fromControllerDocument(vmId, { id: base, ...doc }, "https");
  const multibase = fragment.startsWith("z") && (await ed25519Multibase({ type: "Multikey", publicKeyMultibase: fragment }));
  if (!multibase) return fail("verification.key.unreachable", { vm: vmId }, got.ok ? { key: "verification.fetch.notJson", params: { url: base, type: "?" } } : fetchProblem(got.error));
  const because = got.ok ? { key: "verification.fetch.notJson", params: { url: base, type: "JSON" } } : fetchProblem(got.error);
  return ok({ vmId, how: "fragment", confirmed: false, controller: base, unconfirmedBecause: because, documents: normalised(vmId, base, multibase) });
}

// Our own shape (and DCC's favourite): a key URL serving a Multikey document whose controller lists it.
async function keyUrl(vmId: string, source: DocumentSource): Promise<Result<ResolvedKey, Message>> {
  const got = await source.json(vmId);
  if (!got.ok) return fail("verification.key.unreachable", { vm: vmId }, fetchProblem(got.error));
  const doc = asObject(got.value.json);
  if (!doc) return fail("verification.key.notKey", { vm: vmId });
  if (doc.id !== vmId && (doc.verificationMethod || doc.assertionMethod)) return fromControllerDocument(vmId, doc, "https");
  if (doc.revoked) return fail("verification.key.revoked", { vm: vmId, date: String(doc.revoked) });
  const multibase = await ed25519Multibase(doc);
  if (!multibase || typeof doc.controller !== "string") return fail("verification.key.notKey", { vm: vmId });
  const controllerDoc = await source.json(doc.controller);
  if (!controllerDoc.ok) return fail("verification.key.controllerUnreachable", { vm: vmId, controller: doc.controller }, fetchProblem(controllerDoc.error));
  const cdoc = asObject(controllerDoc.value.json);
  if (!cdoc || !findMethod({ id: doc.controller, ...cdoc }, vmId).authorised) return fail("verification.key.notAuthorised", { vm: vmId, controller: doc.controller });
  return ok({ vmId, how: "https", confirmed: true, controller: doc.controller, documents: normalised(vmId, doc.controller, multibase) });
}

/** Resolves a proof's verification method: HTTPS key URL, controller#fragment, did:key (offline) or did:web. */
export async function resolveKey(vmId: unknown, source: DocumentSource): Promise<Result<ResolvedKey, Message>> {
  if (typeof vmId !== "string" || !vmId) return fail("verification.key.missing", {});
  if (vmId.startsWith("did:key:")) return didKey(vmId);
  if (vmId.startsWith("did:web:")) return didWeb(vmId, source);
  if (vmId.startsWith("did:")) return fail("verification.key.unsupportedDid", { vm: vmId, method: vmId.split(":")[1] ?? "?" });
  let url: URL;
  try {
    url = new URL(vmId);
  } catch {
    return fail("verification.key.badUrl", { vm: vmId });
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return fail("verification.key.badUrl", { vm: vmId });
  const [base = vmId, fragment] = vmId.split("#");
  return fragment ? fragmentKey(vmId, base, fragment, source) : keyUrl(vmId, source);
}
