import type { EventStreamWriter } from '../streaming';
import type { EventFeed } from './event-feed';
import { isTerminal, type RunEvent } from './run-event.types';

const EMPTY_WAIT_MS = 10_000;

/** Waits (up to a bound) until the client has taken everything written so far. */
async function emptied(writer: EventStreamWriter): Promise<boolean> {
  const deadline = Date.now() + EMPTY_WAIT_MS;
  while (writer.bufferedBytes > 0 && Date.now() < deadline) {
    if (!(await writer.drained())) return false;
    if (writer.bufferedBytes > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return writer.state === 'open';
}

/**
 * Copies a run's events to one response until the terminal event (which ends the response) or
 * until the subscriber goes away; the run goes on untouched either way.
 *
 * Events up to `backlogUntil` were already there when the client joined (a replay): for those we
 * wait whenever the client is behind, since Node holds everything written within one tick and a
 * fast client would otherwise be dropped as if it were slow. Live events are never waited for:
 * the writer bounds what a slow client may hold and drops it past the bound, and the client
 * resumes with Last-Event-ID.
 */
export async function pipeRunToWriter(
  feed: EventFeed<RunEvent>,
  writer: EventStreamWriter,
  backlogUntil: number,
  onSent?: (event: RunEvent) => void,
): Promise<void> {
  void writer.closed.then(() => feed.end());
  for await (const event of feed) {
    // Wait before sending, so a replay never pushes the client past the writer's bound.
    if (event.seq <= backlogUntil && writer.isBackpressured && !(await writer.drained())) break;
    // The terminal event carries the whole answer and may alone be near the bound: let the client
    // take what it has first, so that it does not push a reader that keeps up over the bound.
    if (isTerminal(event) && !(await emptied(writer))) break;
    if (!writer.send(event)) break;
    onSent?.(event);
  }
  // The feed ended without a terminal event (its conversation was deleted): just end the response.
  if (writer.state === 'open') await writer.end();
}
