import type { ConfigInput } from "./config.schema.ts";

/** Typed helper for node.config.ts: returns its argument unchanged. */
export function defineConfig(config: ConfigInput): ConfigInput {
  return config;
}
