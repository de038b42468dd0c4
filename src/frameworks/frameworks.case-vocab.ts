import { LEVEL_CODE } from "./frameworks.schema.ts";

// How our CASE 1.0 packages carry what CFItems and isChildOf alone do not (README, "CASE 1.0"),
// with CASE 1.0 structures only, so that other tools read them as ordinary CASE:
// - the level scale: a CFRubric whose single CFRubricCriterion is tied to no CFItem; each
//   CFRubricCriterionLevel has `quality` = level name, `score` = `position` = rank, `uri` ending in
//   `#level-{code}` (the level's URL, the one OB 3.0 templates use as RubricCriterionLevel id) and
//   `description` = `required_for_diploma_track: yes|no` (the levels.csv column);
// - descriptors: one CFRubricCriterion per sub-competency (CFItemURI), one level per cell;
// - evaluation situations: CFItems of CFItemType "Evaluation situation" (declared in
//   CFDefinitions.CFItemTypes), each linked by an `isRelatedTo` CFAssociation (grouping
//   "Evaluation situations" in CFDefinitions.CFAssociationGroupings) to the CFRubricCriterionLevel
//   of each cell it assesses; `sequenceNumber` keeps their order within the cell.

export const SITUATION_ITEM_TYPE = "Evaluation situation";
export const SITUATION_GROUPING = "Evaluation situations";
export const SITUATION_ASSOCIATION = "isRelatedTo";

const REQUIRED_MARK = /^required_for_diploma_track:\s*(yes|no)$/i;

/** The description of a scale level: whether it is required for the diploma track. */
export function requiredMark(required: boolean): string {
  return `required_for_diploma_track: ${required ? "yes" : "no"}`;
}

/** The optional flag written by `requiredMark`, or null when the description says nothing about it. */
export function readRequiredMark(description: string | undefined): boolean | null {
  const m = REQUIRED_MARK.exec(description?.trim() ?? "");
  return m ? m[1]!.toLowerCase() === "yes" : null;
}

/** The level code at the end of a scale level's URI (`…#level-{code}`), or null. */
export function levelCodeFromUri(uri: string | undefined): string | null {
  const m = /#level-([^#]+)$/.exec(uri ?? "");
  return m && LEVEL_CODE.test(m[1]!) ? m[1]! : null;
}
