/** What replaces a character PostgreSQL cannot store. */
const REPLACEMENT = '\ufffd';

/**
 * The string as PostgreSQL can store it in `text`, `json` and `jsonb`: NUL (`\u0000`) and lone
 * UTF-16 surrogates are replaced by U+FFFD. Both arrive from places we do not control (a model's
 * output, a tool's result) and would make the whole INSERT fail. Linear in the length; returns the
 * same string when there is nothing to replace.
 */
export function storableText(text: string): string {
  const wellFormed = text.isWellFormed() ? text : text.toWellFormed();
  return wellFormed.includes('\u0000') ? wellFormed.replaceAll('\u0000', REPLACEMENT) : wellFormed;
}

/**
 * A JSON-like value with every string in it (object keys too) made storable; see
 * {@link storableText}. Iterative, so a deeply nested value cannot overflow the stack; returns the
 * same objects when nothing needed replacing.
 */
export function storableValue<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (typeof value !== 'object' || value === null) return value;
  if (!needsRepair(value)) return value;
  return repaired(value) as T;
}

function isBad(text: string): boolean {
  return !text.isWellFormed() || text.includes('\u0000');
}

/** Walks the value once, without recursion, looking for a string that needs repair. */
function needsRepair(root: object): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'string') {
      if (isBad(current)) return true;
    } else if (Array.isArray(current)) {
      for (const item of current) stack.push(item);
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, item] of Object.entries(current)) {
        if (isBad(key)) return true;
        stack.push(item);
      }
    }
  }
  return false;
}

/** A repaired copy, built without recursion. */
function repaired(root: object): unknown {
  const copyOf = (value: unknown): unknown => {
    if (typeof value === 'string') return storableText(value);
    if (Array.isArray(value)) return new Array<unknown>(value.length);
    if (typeof value === 'object' && value !== null) return {};
    return value;
  };
  const top = copyOf(root);
  const work: Array<[source: object, target: Record<string, unknown> | unknown[]]> = [
    [root, top as Record<string, unknown>],
  ];
  while (work.length > 0) {
    const [source, target] = work.pop()!;
    const entries = Array.isArray(source)
      ? source.map((item, index) => [index, item] as const)
      : Object.entries(source).map(([key, item]) => [storableText(key), item] as const);
    for (const [key, item] of entries) {
      const copy = copyOf(item);
      (target as Record<string | number, unknown>)[key] = copy;
      if (typeof item === 'object' && item !== null) {
        work.push([item, copy as Record<string, unknown>]);
      }
    }
  }
  return top;
}
