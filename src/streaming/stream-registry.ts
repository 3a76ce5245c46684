import type { ServerResponse } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { EventStreamWriter, type EventStreamWriterOptions } from './event-stream-writer';
import { STREAM_CLOSE_REASONS, type StreamCloseReason } from './stream-close-reason';
import type { StreamEvent } from './stream-event';
import type { StreamFormat } from './stream-format';
import { STREAM_SETTINGS, type StreamSettings } from './stream-settings';

/** Figures for health checks and metrics. */
export interface StreamRegistrySnapshot {
  /** Streams holding a slot now. */
  readonly active: number;
  /** `maxConnections`. */
  readonly capacity: number;
  /** True once shutdown began: new streams are refused. */
  readonly draining: boolean;
  /** Streams admitted since start. */
  readonly opened: number;
  /** Streams refused since start (full or draining): each was answered 503. */
  readonly rejected: number;
  /** Streams ended since start, by reason. */
  readonly closed: Readonly<Record<StreamCloseReason, number>>;
}

/** Writer options a caller may set per stream; the rest come from `StreamSettings`. */
export type StreamWriterOverrides = Partial<Omit<EventStreamWriterOptions, 'format'>>;

/** One admitted stream's place in the registry. */
export interface StreamSlot {
  /**
   * Opens a writer on `res` in this slot (headers go out at once). The slot is released when the
   * writer closes, whatever the reason. Rethrows (slot released) if the headers were already sent.
   */
  open(
    res: ServerResponse,
    format: StreamFormat,
    options?: StreamWriterOverrides,
  ): EventStreamWriter;
  /** Ties a writer made elsewhere to this slot, as `open` does: released on close, reached by `closeAll`. */
  attach(writer: EventStreamWriter): void;
  /** Gives the place back; safe to call more than once. Needed only when no writer was opened. */
  release(): void;
}

/** Picks the final event for an open stream at shutdown; undefined ends it without one. */
export type FinalEventFactory = (writer: EventStreamWriter) => StreamEvent | undefined;

/** Default time `closeAll` lets ended streams reach their clients before it destroys them. */
export const DEFAULT_CLOSE_ALL_GRACE_MS = 5000;

/**
 * Admits and tracks this process's open streams (one singleton per app). A controller asks for a
 * writer before it writes anything and answers 503 when there is none; at shutdown, draining refuses
 * new streams and `closeAll` ends the open ones.
 */
@Injectable()
export class StreamRegistry {
  private readonly writers = new Set<EventStreamWriter>();
  private readonly closedByReason = Object.fromEntries(
    STREAM_CLOSE_REASONS.map((reason) => [reason, 0]),
  ) as Record<StreamCloseReason, number>;
  private slotsInUse = 0;
  private openedTotal = 0;
  private rejectedTotal = 0;
  private isDraining = false;

  /** Takes the process-wide settings (capacity, and the defaults for the writers it makes). */
  constructor(@Inject(STREAM_SETTINGS) private readonly settings: StreamSettings) {}

  /** Streams holding a slot now. */
  get active(): number {
    return this.slotsInUse;
  }

  /** Most streams allowed at once. */
  get capacity(): number {
    return this.settings.maxConnections;
  }

  /** True after `startDraining()`. */
  get draining(): boolean {
    return this.isDraining;
  }

  /** Figures for `/health/stream` and `/metrics`. */
  snapshot(): StreamRegistrySnapshot {
    return {
      active: this.slotsInUse,
      capacity: this.capacity,
      draining: this.isDraining,
      opened: this.openedTotal,
      rejected: this.rejectedTotal,
      closed: { ...this.closedByReason },
    };
  }

  /** Reserves a place for one stream; undefined when full or draining (answer 503 then). */
  tryAcquire(): StreamSlot | undefined {
    if (this.isDraining || this.slotsInUse >= this.capacity) {
      this.rejectedTotal += 1;
      return undefined;
    }
    this.slotsInUse += 1;
    this.openedTotal += 1;
    return this.createSlot();
  }

  /**
   * Admits a stream and opens a writer on `res` (headers go out at once): `tryAcquire()` then
   * `slot.open()`. Undefined when full or draining: nothing was written, so the caller can still
   * answer 503.
   */
  openStream(
    res: ServerResponse,
    format: StreamFormat,
    options?: StreamWriterOverrides,
  ): EventStreamWriter | undefined {
    return this.tryAcquire()?.open(res, format, options);
  }

  /** Refuses every new stream from now on; open streams go on. Readiness should fail from here. */
  startDraining(): void {
    this.isDraining = true;
  }

  /**
   * Shutdown: drains, ends every open stream (with the factory's final event, if any) as
   * `server_shutdown`, waits up to `graceMs` for the clients to get the end, then destroys the rest.
   */
  async closeAll(
    finalEvent?: FinalEventFactory,
    graceMs = DEFAULT_CLOSE_ALL_GRACE_MS,
  ): Promise<void> {
    this.startDraining();
    const writers = [...this.writers];
    for (const writer of writers) {
      if (writer.state === 'open') void writer.end(finalEvent?.(writer), 'server_shutdown');
      else if (writer.state === 'idle') void writer.close('server_shutdown');
    }
    const allClosed = Promise.all(writers.map((writer) => writer.closed));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([allClosed, deadline]);
    clearTimeout(timer);
    for (const writer of writers) void writer.close('server_shutdown');
    await allClosed;
  }

  private createSlot(): StreamSlot {
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.slotsInUse -= 1;
    };
    const attach = (writer: EventStreamWriter): void => {
      this.writers.add(writer);
      void writer.closed.then((reason) => {
        this.writers.delete(writer);
        this.closedByReason[reason] += 1;
        release();
      });
    };
    const open = (
      res: ServerResponse,
      format: StreamFormat,
      options: StreamWriterOverrides = {},
    ): EventStreamWriter => {
      const writer = new EventStreamWriter(res, { ...this.settings, ...options, format });
      attach(writer);
      try {
        writer.open();
      } catch (error) {
        void writer.close('server_shutdown');
        throw error;
      }
      return writer;
    };
    return { open, attach, release };
  }
}
