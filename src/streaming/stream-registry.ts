import type { ServerResponse } from 'node:http';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { LifecycleService } from '../lifecycle';
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

/** Why a stream was not admitted. */
export type StreamRefusal = 'draining' | 'full' | 'owner_limit';

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
  private readonly perOwner = new Map<string, number>();
  private readonly closedByReason = Object.fromEntries(
    STREAM_CLOSE_REASONS.map((reason) => [reason, 0]),
  ) as Record<StreamCloseReason, number>;
  private slotsInUse = 0;
  private openedTotal = 0;
  private rejectedTotal = 0;

  /**
   * Takes the process-wide settings (capacity, and the defaults for the writers it makes). With
   * the app's lifecycle, the one draining flag, streams are refused as soon as the process drains;
   * a registry built on its own never drains.
   */
  constructor(
    @Inject(STREAM_SETTINGS) private readonly settings: StreamSettings,
    @Optional() private readonly lifecycle?: LifecycleService,
  ) {}

  /** Streams holding a slot now. */
  get active(): number {
    return this.slotsInUse;
  }

  /** Most streams allowed at once. */
  get capacity(): number {
    return this.settings.maxConnections;
  }

  /** True once the process drains. */
  get draining(): boolean {
    return this.lifecycle?.isDraining === true;
  }

  /** Figures for `/health/stream` and `/metrics`. */
  snapshot(): StreamRegistrySnapshot {
    return {
      active: this.slotsInUse,
      capacity: this.capacity,
      draining: this.draining,
      opened: this.openedTotal,
      rejected: this.rejectedTotal,
      closed: { ...this.closedByReason },
    };
  }

  /** Reserves a place for one stream; undefined when full or draining (answer 503 then). */
  tryAcquire(): StreamSlot | undefined {
    const slot = this.admit();
    return typeof slot === 'string' ? undefined : slot;
  }

  /**
   * Reserves a place for one stream of `owner` (a user), or says why not: the process drains, it
   * holds `maxConnections` streams, or the owner holds `maxPerUser`.
   */
  admit(owner?: string): StreamSlot | StreamRefusal {
    const refusal = this.draining
      ? 'draining'
      : this.slotsInUse >= this.capacity
        ? 'full'
        : owner !== undefined && (this.perOwner.get(owner) ?? 0) >= this.settings.maxPerUser
          ? 'owner_limit'
          : undefined;
    if (refusal) {
      this.rejectedTotal += 1;
      return refusal;
    }
    this.slotsInUse += 1;
    this.openedTotal += 1;
    if (owner !== undefined) this.perOwner.set(owner, (this.perOwner.get(owner) ?? 0) + 1);
    return this.createSlot(owner);
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

  /**
   * Shutdown, from a drain participant (new streams are refused already): ends every open stream
   * (with the factory's final event, if any) as `server_shutdown`, waits up to `graceMs` for the
   * clients to get the end, then destroys the rest.
   */
  async closeAll(
    finalEvent?: FinalEventFactory,
    graceMs = DEFAULT_CLOSE_ALL_GRACE_MS,
  ): Promise<void> {
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

  private createSlot(owner: string | undefined): StreamSlot {
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.slotsInUse -= 1;
      if (owner === undefined) return;
      const left = (this.perOwner.get(owner) ?? 1) - 1;
      if (left > 0) this.perOwner.set(owner, left);
      else this.perOwner.delete(owner);
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
