/**
 * What every stream event carries. Payload fields (`content`, `message`, ...) are the producer's
 * business; the transport only needs these three to frame and resume the stream.
 */
export interface StreamEvent {
  readonly type: string;
  readonly run_id: string;
  readonly seq: number;
}

/** Event types that end a run; exactly one of them is the last event of every stream. */
export const TERMINAL_EVENT_TYPES: readonly string[] = ['complete_state', 'error'];

/** True for `complete_state` and `error`: after it the stream is ended. */
export function isTerminalEvent(event: StreamEvent): boolean {
  return event.type === 'complete_state' || event.type === 'error';
}

/** The SSE `id` of an event, `<run_id>:<seq>`; clients send it back as `Last-Event-ID`. */
export function formatEventId(event: StreamEvent): string {
  return `${event.run_id}:${event.seq}`;
}

/** A parsed `Last-Event-ID` (or `?last_event_id=`, `?after=`) value. */
export interface StreamEventId {
  readonly runId: string;
  readonly seq: number;
}

/** Largest `seq`: events are stored in an int4 column, and a larger one could never match. */
const MAX_SEQ = 2_147_483_647;

/**
 * Parses `<run_id>:<seq>` with `seq` from 0 to {@link MAX_SEQ}; undefined for anything else, so
 * that a mangled header can be answered with 400 (or treated as "from the start") by the caller
 * rather than throwing here, or reaching a query that the database refuses.
 */
export function parseEventId(value: string | undefined): StreamEventId | undefined {
  if (!value) return undefined;
  // The run id is a UUID (no colon), but splitting at the last colon keeps other ids working too.
  const colon = value.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const digits = value.slice(colon + 1).trim();
  if (!/^\d{1,10}$/.test(digits) || Number(digits) > MAX_SEQ) return undefined;
  const runId = value.slice(0, colon).trim();
  return runId ? { runId, seq: Number(digits) } : undefined;
}
