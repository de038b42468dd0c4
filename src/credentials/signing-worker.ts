// Entry of a signing worker (see signing-pool.ts). Importing signing.ts installs the jsonld speed-up in
// this thread too: each worker has its own copy of jsonld's modules.
import { serveSigningRequests } from "./signing-pool.ts";
import { signCredential } from "./signing.ts";

serveSigningRequests(signCredential);
