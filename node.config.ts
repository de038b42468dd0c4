// FranceBadge node settings. Every key is optional: see README.md, "Configuration".
// Every key can also be set by an environment variable (FRANCEBADGE_PORT, FRANCEBADGE_ORIGIN, …);
// the secret comes only from the environment (FRANCEBADGE_SECRET).
import { defineConfig } from "./src/config/define-config.ts";

export default defineConfig({
  // origin: "https://badges.example.edu",
  // port: 8080,
  // dataDir: "./data",
  // database: "postgres://francebadge@localhost/francebadge",
  // locale: "fr",
});
