import { isIPv4 } from "node:net";

/** Whether a URL hostname is loopback: `localhost`, `*.localhost`, `[::1]` or an IPv4 literal in 127.0.0.0/8.
 * A name that merely begins with "127." (127.example.com, 127.0.0.1.nip.io) is a public name, not loopback. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost") || host === "[::1]" || host === "::1") return true;
  return isIPv4(host) && host.split(".")[0] === "127";
}
