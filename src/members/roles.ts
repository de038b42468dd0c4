/** Roles in an issuer space, from most to least powerful. */
export const ROLES = ["admin", "creator", "awarder", "jury", "viewer"] as const;
export type Role = (typeof ROLES)[number];

/** True for a known role name. */
export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/**
 * Roles a person effectively holds: an admin (of the space or of a parent space) can do
 * everything in it; every role can view.
 */
export function effectiveRoles(direct: readonly string[], inheritedAdmin: boolean, nodeAdmin: boolean): Set<Role> {
  if (nodeAdmin || inheritedAdmin || direct.includes("admin")) return new Set(ROLES);
  const roles = new Set(direct.filter(isRole));
  if (roles.size > 0) roles.add("viewer");
  return roles;
}
