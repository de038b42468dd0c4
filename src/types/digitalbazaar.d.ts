// The Digital Bazaar VC family ships no TypeScript types: these are the parts we call.
declare module "@digitalbazaar/vc" {
  export function issue(options: { credential: object; suite: unknown; documentLoader: unknown; now?: Date }): Promise<any>;
  export function verifyCredential(options: { credential: object; suite: unknown; documentLoader: unknown; checkStatus?: unknown; now?: Date; maxClockSkew?: number }): Promise<any>;
  export const defaultDocumentLoader: unknown;
}
declare module "@digitalbazaar/data-integrity" {
  export class DataIntegrityProof {
    constructor(options: { signer?: unknown; cryptosuite: unknown; date?: Date | string; legacyContext?: boolean });
  }
}
declare module "@digitalbazaar/eddsa-rdfc-2022-cryptosuite" {
  export const cryptosuite: any;
}
declare module "@digitalbazaar/ed25519-multikey" {
  export interface MultikeyKeyPair {
    id?: string;
    controller?: string;
    publicKeyMultibase: string;
    secretKeyMultibase?: string;
    signer(): { id: string; algorithm: string; sign(o: { data: Uint8Array }): Promise<Uint8Array> };
    verifier(): unknown;
    export(options: { publicKey?: boolean; secretKey?: boolean; includeContext?: boolean; raw?: boolean }): Promise<any>;
  }
  export function generate(options?: { id?: string; controller?: string; seed?: Uint8Array }): Promise<MultikeyKeyPair>;
  export function from(key: object): Promise<MultikeyKeyPair>;
  export function fromJwk(options: object): Promise<MultikeyKeyPair>;
}
declare module "@digitalbazaar/ed25519-signature-2020" {
  export class Ed25519Signature2020 {
    constructor(options?: { key?: unknown; signer?: unknown; date?: Date | string });
  }
  export const suiteContext: { CONTEXT_URL: string; CONTEXT: object };
}
declare module "@digitalbazaar/ed25519-verification-key-2020" {
  export class Ed25519VerificationKey2020 {
    static from(options: object): Promise<Ed25519VerificationKey2020>;
    static generate(options?: object): Promise<Ed25519VerificationKey2020>;
    id?: string;
    controller?: string;
    publicKeyMultibase: string;
    privateKeyMultibase?: string;
    signer(): unknown;
    verifier(): unknown;
  }
}
// Every bundled JSON-LD context package exports the same shape: a Map from context URL to document.
declare module "*-context" {
  export const contexts: Map<string, object>;
}
