import { z } from "zod";

// OB 3.0 §B.2 AchievementType (extensible with "ext:" names).
export const ACHIEVEMENT_TYPES = [
  "Achievement", "ApprenticeshipCertificate", "Assessment", "Assignment", "AssociateDegree", "Award", "Badge",
  "BachelorDegree", "Certificate", "CertificateOfCompletion", "Certification", "CommunityService", "Competency",
  "Course", "CoCurricular", "Degree", "Diploma", "DoctoralDegree", "Fieldwork", "GeneralEducationDevelopment",
  "JourneymanCertificate", "LearningProgram", "License", "Membership", "ProfessionalDoctorate",
  "QualityAssuranceCredential", "MasterCertificate", "MasterDegree", "MicroCredential", "ResearchDoctorate",
  "SecondarySchoolDiploma",
] as const;

// OB 3.0 Alignment.targetType values.
export const ALIGNMENT_TARGET_TYPES = ["ceasn:Competency", "ceterms:Credential", "CFItem", "CFRubric", "CFRubricCriterion", "CFRubricCriterionLevel", "CTDL"] as const;

// A missing value is "required", a value of the wrong kind "invalid" (API bodies can carry either).
const str = () => z.string({ error: (issue) => (issue.input === undefined ? "errors.required" : "errors.invalid") });
const text = (max: number) => str().trim().max(max, "errors.tooLong");
const optText = (max: number) => text(max).transform((v) => (v ? v : undefined)).optional();
const httpUrl = z.string().trim().max(2000, "errors.tooLong").refine((v) => /^https?:\/\/\S+$/i.test(v) && URL.canParse(v), "errors.url");
const optUrl = z.union([z.literal(""), httpUrl]).transform((v) => (v ? v : undefined)).optional();
const extName = z.string().regex(/^ext:[A-Za-z0-9.\-_]+$/, "errors.invalid");
// An "ext:" name in a list where the message must name the list (a union reports its last option's words).
const extOf = (message: string) => z.string().regex(/^ext:[A-Za-z0-9.\-_]+$/, message);
// OB 3.0 URI fields (ids of related achievements, creators, levels): an absolute URI with a scheme.
const uri = str().trim().max(2000, "errors.tooLong").refine((v) => /^[a-z][a-z0-9+.-]*:\S+$/i.test(v) && URL.canParse(v), "errors.url");
/** The OB 3.0 schema's language-tag pattern (BCP 47 as its JSON Schema checks it: `fr`, `fr-FR`, `zh-Hant-TW`). */
export const LANGUAGE_PATTERN = /^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$/;
/** A language tag in its canonical case (`fr-fr` → `fr-FR`); what is not a tag is returned as is. */
export function canonicalLanguage(tag: string): string {
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? tag;
  } catch {
    return tag;
  }
}
const language = str().trim().transform(canonicalLanguage).pipe(z.string().regex(LANGUAGE_PATTERN, "errors.languageCode"));
/** An edition's tag as its URL segment (/achievements/{id}/{lang}): a 2–3 letter primary subtag, which no other path of a template has. */
export const EDITION_LANGUAGE_ROUTE = "[a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|[0-9]{3}))?";
const editionLanguage = language.pipe(z.string().regex(new RegExp(`^${EDITION_LANGUAGE_ROUTE}$`), "errors.languageCode"));

// OB 3.0 §B.2 ResultType (extensible with "ext:" names).
export const RESULT_TYPES = [
  "GradePointAverage", "LetterGrade", "Percent", "PerformanceLevel", "PredictedScore", "RawScore", "Result",
  "RubricCriterion", "RubricCriterionLevel", "RubricScore", "ScaledScore", "Status",
] as const;

export const alignmentSchema = z.object({
  targetName: text(300).min(1, "errors.required"),
  targetUrl: httpUrl,
  targetDescription: optText(5000),
  targetFramework: optText(300),
  targetCode: optText(200),
  targetType: z.union([z.enum(ALIGNMENT_TARGET_TYPES), extName]).optional(),
});

export const rubricLevelSchema = z.object({ id: str(), name: str(), description: z.string().optional(), level: z.string().optional() });

export const resultDescriptionSchema = z.object({
  id: str(),
  name: str(),
  resultType: z.union([z.enum(RESULT_TYPES), extOf("errors.resultType")], { error: "errors.resultType" }),
  rubricCriterionLevel: z.array(rubricLevelSchema).optional(),
  requiredLevel: z.string().optional(),
  allowedValue: z.array(z.string()).optional(),
});

/** The original creator of a reused template (OB 3.0 Profile: id, name, url). */
export const creatorSchema = z.object({ id: uri, name: text(200).min(1, "errors.required"), url: optUrl });
export type Creator = z.output<typeof creatorSchema>;

/** The English (or other) edition shown beside the main one. */
export const editionSchema = z.object({
  inLanguage: editionLanguage.default("en"),
  name: text(200).min(1, "errors.required"),
  description: text(10000).min(1, "errors.required"),
  criteriaNarrative: optText(20000),
});

/** A template's content: what a published version promises (OB 3.0 Achievement fields). */
export const achievementContent = z.object({
  name: text(200).min(1, "errors.required"),
  description: text(10000).min(1, "errors.required"),
  criteria: z
    .object({ narrative: optText(20000), id: optUrl })
    .refine((c) => c.narrative || c.id, { message: "errors.criteriaRequired", path: ["narrative"] }),
  tags: z.array(text(60).min(1)).max(30, "errors.tooMany").default([]).transform((tags) => [...new Set(tags)]),
  alignment: z.array(alignmentSchema).max(50, "errors.tooMany").default([]),
  achievementType: z.union([z.enum(ACHIEVEMENT_TYPES), extOf("errors.achievementType")], { error: "errors.achievementType" }).default("Badge"),
  creditsAvailable: z.number({ error: "errors.number" }).min(0, "errors.number").max(1000, "errors.number").optional(),
  fieldOfStudy: optText(200),
  humanCode: optText(100),
  specialization: optText(200),
  validForDays: z.number({ error: "errors.number" }).int("errors.number").min(1, "errors.number").max(36500, "errors.number").optional(),
  inLanguage: language.default("fr"),
  edition: editionSchema.optional(),
  resultDescription: z.array(resultDescriptionSchema).optional(),
  imageId: z.string().max(64).optional(),
  frameworkId: z.string().max(64).optional(),
  competencyId: z.string().max(64).optional(),
  levelCode: z.string().max(64).optional(),
  related: z.array(z.object({ id: uri, inLanguage: language.optional(), version: z.string().max(100, "errors.tooLong").optional() })).max(20, "errors.tooMany").optional(),
  /** Set only by reuse with attribution (`define`'s `creator` option); never taken from a form or API body. */
  creator: creatorSchema.optional(),
}).refine((c) => !c.edition || c.edition.inLanguage !== c.inLanguage, { message: "errors.editionLanguage", path: ["edition", "inLanguage"] });

export type AchievementContent = z.output<typeof achievementContent>;
export type AchievementContentInput = z.input<typeof achievementContent>;
export type Alignment = z.output<typeof alignmentSchema>;
export type ResultDescription = z.output<typeof resultDescriptionSchema>;
