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

/**
 * The first string or object key, in document order, anywhere in a parsed JSON value (a body, a
 * query) that cannot be stored, as a field error with its dotted path (`metadata.tags.1`); the
 * whole value is `rootName`. Iterative, so no depth can overflow the stack; each string and key is
 * scanned once.
 */
export function findUnsafeText(root: unknown, rootName: string): FieldError | undefined {
  const pending: Array<{ value: unknown; path: string; key?: string }> = [
    { value: root, path: '' },
  ];
  while (pending.length > 0) {
    const { value, path, key } = pending.pop()!;
    const keyReason = key === undefined ? undefined : unsafeTextReason(key);
    if (keyReason) return { field: printableField(path), message: `its name ${keyReason}` };
    if (typeof value === 'string') {
      const reason = unsafeTextReason(value);
      if (reason) return { field: printableField(path || rootName), message: reason };
    } else if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value as Record<string, unknown>);
      // Last to first, so that the stack hands them back in document order.
      for (let i = entries.length - 1; i >= 0; i--) {
        const [name, child] = entries[i];
        pending.push({ value: child, path: path ? `${path}.${name}` : name, key: name });
      }
    }
  }
  return undefined;
}
