/**
 * A piece of SQL that one module contributes to a statement another module runs (one round trip
 * across tables owned by different modules). It takes its values through `param`, which appends a
 * value to the statement's parameters and answers its placeholder (`$7`).
 */
export type SqlPart = (param: (value: unknown) => string) => string;

/** Builds a statement from a template that places values with `param`; answers text and values. */
export function buildStatement(build: SqlPart): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const text = build((value) => {
    values.push(value);
    return `$${values.length}`;
  });
  return { text, values };
}
