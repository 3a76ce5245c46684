/** Wire formats of a live stream: Server-Sent Events (default) or newline-delimited JSON. */
export type StreamFormat = 'sse' | 'ndjson';

/** Every format, e.g. for `@IsIn(STREAM_FORMATS)` on a `?format=` query DTO. */
export const STREAM_FORMATS: readonly StreamFormat[] = ['sse', 'ndjson'];

const SSE_MEDIA_TYPE = 'text/event-stream';
// `application/x-ndjson` is the contract's name; `application/ndjson` is its unprefixed spelling.
const NDJSON_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/x-ndjson',
  'application/ndjson',
]);

/**
 * Chooses the format of one stream. An explicit `?format=sse|ndjson` wins; otherwise NDJSON only
 * when `Accept` prefers it over `text/event-stream` (by q-value); anything else, including no header,
 * `*\/*` or an unknown `?format=`, gets SSE so that a plain `EventSource` always works.
 */
export function negotiateStreamFormat(
  acceptHeader?: string | readonly string[],
  formatQuery?: string | readonly string[],
): StreamFormat {
  const requested = firstValue(formatQuery)?.trim().toLowerCase();
  if (requested === 'sse' || requested === 'ndjson') return requested;
  const accept = typeof acceptHeader === 'string' ? acceptHeader : acceptHeader?.join(',');
  if (!accept) return 'sse';
  let sseQuality = 0;
  let ndjsonQuality = 0;
  for (const range of accept.split(',')) {
    const [mediaType = '', ...params] = range.split(';');
    const name = mediaType.trim().toLowerCase();
    if (name === SSE_MEDIA_TYPE) sseQuality = Math.max(sseQuality, quality(params));
    else if (NDJSON_MEDIA_TYPES.has(name)) ndjsonQuality = Math.max(ndjsonQuality, quality(params));
  }
  return ndjsonQuality > sseQuality ? 'ndjson' : 'sse';
}

function firstValue(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.[0];
}

// RFC 9110 weight: `q=0` means "not acceptable"; a missing or malformed q counts as 1.
function quality(params: readonly string[]): number {
  for (const param of params) {
    const [key, value] = param.split('=');
    if (key?.trim().toLowerCase() !== 'q' || value === undefined) continue;
    const q = Number(value.trim());
    return Number.isFinite(q) && q >= 0 && q <= 1 ? q : 1;
  }
  return 1;
}
