import type { StreamEventId } from '../streaming';
import type { JoinedRun } from './run-join';
import type { ResyncReason, ResyncRequiredRunEvent, RunEvent } from './run-event.types';
import type { RunEntity } from './run.entity';

const MESSAGES: Record<ResyncReason, string> = {
  events_expired: 'The events after this position were deleted; reload the messages.',
  run_unknown: 'This position names a run that cannot be resumed; reload the messages.',
};

/**
 * Whether a client at `position` must reload rather than resume the conversation's latest run:
 * the events it would be sent were deleted by retention, or its position names a run that is not
 * one of this conversation's (`positionRunExists` false). Answers the event that tells it so;
 * `run_id:seq` is where to resume from after reloading (0 for a run still going on: its answer
 * is not a stored message yet).
 */
export function resyncFor(
  latest: RunEntity | null,
  position: StreamEventId | undefined,
  positionRunExists: () => Promise<boolean>,
): Promise<ResyncRequiredRunEvent | undefined> {
  const after = latest && position?.runId === latest.id ? position.seq : 0;
  if (latest?.eventsDeletedAt && after < latest.lastSeq) {
    return Promise.resolve(resyncEvent(latest.id, latest.lastSeq, 'events_expired'));
  }
  if (!position || position.runId === latest?.id) return Promise.resolve(undefined);
  return positionRunExists().then((exists) => {
    if (exists) return undefined;
    if (!latest) return resyncEvent(position.runId, position.seq, 'run_unknown');
    return resyncEvent(latest.id, latest.finishedAt ? latest.lastSeq : 0, 'run_unknown');
  });
}

function resyncEvent(runId: string, seq: number, reason: ResyncReason): ResyncRequiredRunEvent {
  return { type: 'resync_required', run_id: runId, seq, reason, message: MESSAGES[reason] };
}

/** A stream of the one `resync_required` event. */
export function resyncStream(event: ResyncRequiredRunEvent): JoinedRun {
  const events: RunEvent[] = [event];
  const iterator: JoinedRun = {
    replaying: false,
    next: () =>
      Promise.resolve(
        events.length > 0
          ? { value: events.shift()!, done: false }
          : { value: undefined, done: true as const },
      ),
    return: () => {
      events.length = 0;
      return Promise.resolve({ value: undefined, done: true as const });
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
