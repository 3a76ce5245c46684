import { Logger } from '@nestjs/common';
import type { RunEventSink } from './run-event.batcher';
import {
  isTerminal,
  type RunEvent,
  type TerminalRunEvent,
  type UnnumberedRunEvent,
} from './run-event.types';

/** Why a live run was asked to stop. */
export type StopReason = 'user' | 'client_gone' | 'server_shutdown';

const RETRY_DELAY_MS = 250;

/**
 * A run executing in this process. It numbers its events, hands them to local subscribers at once
 * (no database round trip before the client sees a token) and writes them behind, in order, in
 * batches: while one batch is being written the next accumulates, so a busy run costs one INSERT
 * per round trip rather than one per chunk. Remote followers read what is written.
 */
export class LiveRun {
  /** Every event so far, for subscribers that join late. */
  readonly events: RunEvent[] = [];
  /** Aborts the agent: cancel, a leaving client (when so configured), or shutdown. */
  readonly abort = new AbortController();
  /** Settles with the terminal event once it is stored and published. */
  readonly finished: Promise<TerminalRunEvent>;
  stopReason?: StopReason;

  private readonly logger = new Logger('LiveRun');
  private readonly listeners = new Set<(event: RunEvent) => void>();
  private nextSeq = 1;
  private pending: RunEvent[] = [];
  private writing?: Promise<void>;
  private writeFailure?: Error;
  private resolveFinished!: (event: TerminalRunEvent) => void;

  constructor(
    readonly runId: string,
    readonly conversationId: string,
    private readonly store: RunEventSink,
  ) {
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
  }

  /** Numbers an event of this run. */
  number<E extends UnnumberedRunEvent>(event: E): E & { run_id: string; seq: number } {
    // Key order is what clients see: type, run_id, seq, then the payload.
    const numbered = { type: event.type, run_id: this.runId, seq: this.nextSeq++ };
    return Object.assign(numbered, event);
  }

  /** Publishes a non-terminal event now and queues it for storage. */
  emit(event: UnnumberedRunEvent): void {
    const numbered: RunEvent = this.number(event);
    this.publish(numbered);
    this.pending.push(numbered);
    this.writing ??= this.writeBehind();
  }

  /**
   * Resolves once every emitted event is stored (the terminal event goes in after this); rejects
   * when storing failed for good.
   */
  async flushed(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.writeFailure !== undefined) throw this.writeFailure;
  }

  /** Publishes the stored terminal event and settles `finished`. */
  complete(event: TerminalRunEvent): void {
    this.publish(event);
    this.resolveFinished(event);
  }

  /** Replays the events after `afterSeq` to `listener`, then calls it for each new one. */
  subscribe(afterSeq: number, listener: (event: RunEvent) => void): () => void {
    for (const event of this.events) if (event.seq > afterSeq) listener(event);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops the agent; the run then ends with what it produced. */
  stop(reason: StopReason): void {
    this.stopReason ??= reason;
    this.abort.abort(new Error(`Run stopped: ${reason}`));
  }

  private publish(event: RunEvent): void {
    this.events.push(event);
    for (const listener of [...this.listeners]) listener(event);
    if (isTerminal(event)) this.listeners.clear();
  }

  private async writeBehind(): Promise<void> {
    try {
      while (this.pending.length > 0 && this.writeFailure === undefined) {
        const batch = this.pending;
        this.pending = [];
        await this.appendWithRetry(batch);
      }
    } catch (error) {
      this.writeFailure = error instanceof Error ? error : new Error(String(error));
    } finally {
      this.writing = undefined;
    }
  }

  private async appendWithRetry(batch: RunEvent[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.store.append(this.runId, batch);
        return;
      } catch (error) {
        // Local subscribers already have these events; keep trying so followers and replays do too.
        if (attempt >= 20) throw error;
        this.logger.warn(
          `Storing events of run ${this.runId} failed (attempt ${attempt}): ${String(error)}`,
        );
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * attempt));
      }
    }
  }
}
