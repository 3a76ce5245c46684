import type { FieldError } from '../errors/domain.exception';

// `isWellFormed` and `toWellFormed` are ES2024 (Node 20 has them); the TypeScript lib is ES2023.
interface Es2024String {
  isWellFormed(): boolean;
  toWellFormed(): string;
}
const es2024 = (text: string) => text as unknown as Es2024String;

/**
 * Why the text cannot be stored, or undefined when it can. NUL and unpaired UTF-16 surrogates are
 * valid in JSON and JavaScript strings but never meaningful text, and PostgreSQL refuses them (NUL
 * in `text` and `jsonb`, lone surrogates in `jsonb`; in `text` the driver would silently turn them
 * into U+FFFD, so two different strings would become one). Two native scans, linear in the length.
 */
export function unsafeTextReason(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain NUL (U+0000) characters';
  if (!es2024(text).isWellFormed()) return 'must not contain unpaired UTF-16 surrogates';
  return undefined;
}

/** Longest field path echoed back in an error. */
const MAX_FIELD_CHARS = 200;

/** A field path fit to echo back: the offending characters replaced, its length bounded. */
export function printableField(path: string): string {
  const clean = es2024(path.replaceAll('\u0000', '\ufffd')).toWellFormed();
  return clean.length > MAX_FIELD_CHARS ? `${clean.slice(0, MAX_FIELD_CHARS)}…` : clean;
}

/** An array or object being walked: its children are visited in order from `next`. */
interface Frame {
  value: unknown[] | Record<string, unknown>;
  /** The object's keys; undefined for an array. */
  keys?: string[];
  next: number;
  parent?: Frame;
  /** How the parent names this value: a key, or an index (spelled out only for an error). */
  name?: string | number;
}

/**
 * The first string or object key, in document order, anywhere in a parsed JSON value (a body, a
 * query) that cannot be stored, as a field error with its dotted path (`metadata.tags.1`); the
 * whole value is `rootName`. Iterative, so no depth can overflow the stack, and linear: each value
 * is visited once, each string and key scanned once, and a path is only spelled out for the error.
 */
export function findUnsafeText(root: unknown, rootName: string): FieldError | undefined {
  if (typeof root === 'string') {
    const reason = unsafeTextReason(root);
    return reason ? { field: rootName, message: reason } : undefined;
  }
  const stack: Frame[] = [];
  const enter = (value: unknown, parent?: Frame, name?: string | number): void => {
    if (typeof value !== 'object' || value === null) return;
    const keys = Array.isArray(value) ? undefined : Object.keys(value);
    stack.push({ value: value as Frame['value'], keys, next: 0, parent, name });
  };
  enter(root);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    const length = frame.keys ? frame.keys.length : (frame.value as unknown[]).length;
    if (frame.next >= length) {
      stack.pop();
      continue;
    }
    const index = frame.next++;
    const key = frame.keys?.[index];
    const child =
      key === undefined
        ? (frame.value as unknown[])[index]
        : (frame.value as Record<string, unknown>)[key];
    if (key !== undefined) {
      const reason = unsafeTextReason(key);
      if (reason) return { field: pathOf(frame, key), message: `its name ${reason}` };
    }
    if (typeof child === 'string') {
      const reason = unsafeTextReason(child);
      if (reason) return { field: pathOf(frame, key ?? index), message: reason };
    } else {
      enter(child, frame, key ?? index);
    }
  }
  return undefined;
}

/** The dotted path of `name` inside `frame`, fit to echo back. */
function pathOf(frame: Frame, name: string | number): string {
  const names = [name];
  for (let at: Frame | undefined = frame; at?.name !== undefined; at = at.parent) {
    names.push(at.name);
  }
  return printableField(names.reverse().join('.'));
}
