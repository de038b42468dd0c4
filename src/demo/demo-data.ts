import { demoActor } from "../audit/audit.service.ts";
import type { Services } from "../app.ts";
import type { Role } from "../members/roles.ts";
import { seedDemoTemplates } from "./demo-templates.ts";

export interface DemoAccount {
  email: string;
  role: Role;
  issuer: string;
}

// Demo only, printed at first start and in the README: never used outside `demo` mode.
export const DEMO_PASSWORD = "demo-francebadge";

const INSTITUTION = {
  slug: "centrale-marseille-demo", name: "École Centrale de Marseille (démo)",
  description: "Établissement de démonstration : une école d'ingénieurs qui délivre des badges de compétences par niveaux (Novice → Expert).",
  website: "https://www.centrale-mediterranee.fr", email: "badges@centrale-marseille.example", logoUrl: null, parent: null,
};
const SCHOOL = {
  slug: "centrale-innovation-demo", name: "Pôle Innovation et Entrepreneuriat (démo)",
  description: "Espace rattaché de démonstration : le pôle qui évalue la compétence « Créer de la valeur par l'innovation ».",
  website: null, email: null, logoUrl: null, parent: INSTITUTION.slug,
};
const STAFF: Array<{ email: string; name: string; role: Role; issuer: string }> = [
  { email: "admin@centrale-marseille.example", name: "Alice Martin", role: "admin", issuer: INSTITUTION.slug },
  { email: "createur@centrale-marseille.example", name: "Camille Dubois", role: "creator", issuer: INSTITUTION.slug },
  { email: "attributeur@centrale-marseille.example", name: "Bastien Leroy", role: "awarder", issuer: INSTITUTION.slug },
  { email: "jury@centrale-marseille.example", name: "Jeanne Moreau", role: "jury", issuer: INSTITUTION.slug },
  { email: "lecteur@centrale-marseille.example", name: "Victor Petit", role: "viewer", issuer: INSTITUTION.slug },
  { email: "innovation@centrale-marseille.example", name: "Inès Bernard", role: "admin", issuer: SCHOOL.slug },
];

/** Seeds the demo issuer, its sub-issuer and one staff account per role; does nothing if already there. */
export async function seedDemo(services: Services): Promise<{ accounts: DemoAccount[]; password: string } | null> {
  if (await services.issuers.findBySlug(INSTITUTION.slug)) return null;
  const parent = await services.issuers.create(demoActor, INSTITUTION);
  const child = await services.issuers.create(demoActor, SCHOOL);
  if (!parent.ok || !child.ok) throw new Error("demo issuers could not be created");
  const bySlug = { [INSTITUTION.slug]: parent.value, [SCHOOL.slug]: child.value };
  for (const s of STAFF) {
    const existing = await services.accounts.findByEmail(s.email);
    const user = existing ?? (await services.accounts.create({ email: s.email, displayName: s.name, password: DEMO_PASSWORD, locale: "fr" }));
    if (!user || ("ok" in user && !user.ok)) throw new Error(`demo account ${s.email} could not be created`);
    await services.members.add(demoActor, bySlug[s.issuer]!, { email: s.email, role: s.role });
  }
  await seedDemoTemplates(services, parent.value);
  return { accounts: STAFF.map((s) => ({ email: s.email, role: s.role, issuer: s.issuer })), password: DEMO_PASSWORD };
}
