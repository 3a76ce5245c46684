const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether UTF-8 JSON text nests arrays and objects deeper than `maxDepth` (the outermost value is
 * level 1), read from the raw bytes before anything parses them: JSON.parse of a body of brackets
 * holds the event loop, and class-validator recurses into it until the stack overflows. One pass,
 * linear: strings are skipped with `indexOf` (native), so long texts cost almost nothing. Malformed
 * text is left for the parser to refuse. UTF-8 only: no byte of a multi-byte character is ASCII.
 */
export function nestsDeeperThan(json: Uint8Array, maxDepth: number): boolean {
  const bytes = Buffer.from(json.buffer, json.byteOffset, json.byteLength);
  let depth = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === QUOTE) {
      i = closingQuote(bytes, i);
      if (i < 0) return false;
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > maxDepth) return true;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

/** The index of the quote that closes the string opened at `open`, or -1 when none does. */
function closingQuote(bytes: Buffer, open: number): number {
  for (let from = open + 1; ;) {
    const quote = bytes.indexOf(QUOTE, from);
    if (quote < 0) return -1;
    // Escaped when preceded by an odd number of backslashes.
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    from = quote + 1;
  }
}
