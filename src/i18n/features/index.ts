import { achievementsMessages } from "./achievements.ts";
import { auditTrailMessages } from "./audit-trail.ts";
import { backpackMessages } from "./backpack.ts";
import { awardsMessages } from "./awards.ts";
import { credentialsMessages } from "./credentials.ts";
import { dashboardsMessages } from "./dashboards.ts";
import { downloadsMessages } from "./downloads.ts";
import { catalogueMessages } from "./catalogue.ts";
import { frameworksMessages } from "./frameworks.ts";
import { frameworkSharingMessages } from "./framework-sharing.ts";
import { imagesMessages } from "./images.ts";
import { ssoMessages } from "./sso.ts";
import { mailMessages } from "./mail.ts";
import { federationMessages } from "./federation.ts";
import { federationTrustMessages } from "./federation-trust.ts";
import { verificationMessages } from "./verification.ts";

// Each feature keeps its messages in its own file here (fewer edit clashes); they are merged
// with the core catalogue (fr.ts / en.ts) by i18n.ts. Register new feature files in this list.
export const featureMessages: Array<{ fr: Record<string, string>; en: Record<string, string> }> = [
  achievementsMessages,
  auditTrailMessages,
  backpackMessages,
  awardsMessages,
  credentialsMessages,
  dashboardsMessages,
  downloadsMessages,
  catalogueMessages,
  federationMessages,
  federationTrustMessages,
  frameworksMessages,
  frameworkSharingMessages,
  imagesMessages,
  ssoMessages,
  mailMessages,
  verificationMessages,
];
