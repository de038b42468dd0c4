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

const text = (max: number) => z.string().trim().max(max, "errors.tooLong");
const optText = (max: number) => text(max).transform((v) => (v ? v : undefined)).optional();
const httpUrl = z.string().trim().max(2000, "errors.tooLong").refine((v) => /^https?:\/\/\S+$/i.test(v) && URL.canParse(v), "errors.url");
const optUrl = z.union([z.literal(""), httpUrl]).transform((v) => (v ? v : undefined)).optional();
const extName = z.string().regex(/^ext:[A-Za-z0-9.\-_]+$/, "errors.invalid");

export const alignmentSchema = z.object({
  targetName: text(300).min(1, "errors.required"),
  targetUrl: httpUrl,
  targetDescription: optText(5000),
  targetFramework: optText(300),
  targetCode: optText(200),
  targetType: z.union([z.enum(ALIGNMENT_TARGET_TYPES), extName]).optional(),
});

export const rubricLevelSchema = z.object({ id: z.string(), name: z.string(), description: z.string().optional(), level: z.string().optional() });

export const resultDescriptionSchema = z.object({
  id: z.string(),
  name: z.string(),
  resultType: z.string(),
  rubricCriterionLevel: z.array(rubricLevelSchema).optional(),
  requiredLevel: z.string().optional(),
  allowedValue: z.array(z.string()).optional(),
});

/** The English (or other) edition shown beside the main one. */
export const editionSchema = z.object({
  inLanguage: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "errors.invalid").default("en"),
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
  achievementType: z.union([z.enum(ACHIEVEMENT_TYPES), extName], { error: "errors.achievementType" }).default("Badge"),
  creditsAvailable: z.number({ error: "errors.number" }).min(0, "errors.number").max(1000, "errors.number").optional(),
  fieldOfStudy: optText(200),
  humanCode: optText(100),
  specialization: optText(200),
  validForDays: z.number({ error: "errors.number" }).int("errors.number").min(1, "errors.number").max(36500, "errors.number").optional(),
  inLanguage: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "errors.invalid").default("fr"),
  edition: editionSchema.optional(),
  resultDescription: z.array(resultDescriptionSchema).optional(),
  imageId: z.string().max(64).optional(),
  frameworkId: z.string().max(64).optional(),
  competencyId: z.string().max(64).optional(),
  levelCode: z.string().max(64).optional(),
  related: z.array(z.object({ id: z.string(), inLanguage: z.string().optional(), version: z.string().optional() })).optional(),
  creator: z.object({ id: z.string(), name: z.string(), url: z.string().optional() }).optional(),
});

export type AchievementContent = z.output<typeof achievementContent>;
export type AchievementContentInput = z.input<typeof achievementContent>;
export type Alignment = z.output<typeof alignmentSchema>;
export type ResultDescription = z.output<typeof resultDescriptionSchema>;
