import { sql, type RawBuilder } from "kysely";

/** Escapes `%`, `_` and `\` so a user's text matches itself in a LIKE pattern (with `escape '\'`). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (m) => "\\" + m);
}

/** `column like '%text%'`, the same on SQLite and PostgreSQL (text taken literally). */
export function likeContains(column: string, text: string): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(column)} like ${"%" + escapeLike(text) + "%"} escape '\\'`;
}
