/** Expected failures travel as values; bugs throw. */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

/** Wraps a success. */
export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

/** Wraps an expected failure. */
export function err<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}

/** Field-level validation errors: field name → message key (translated by the view). */
export type FieldErrors = Record<string, string>;
