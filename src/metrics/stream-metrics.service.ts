import { Injectable, Optional } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { StreamRegistry } from '../streaming';
import { METRIC_NAMES as M } from './metric-names';

/** One open stream's figures; from {@link StreamMetrics.streamStarted}. */
export interface StreamObservation {
  /** Counts an event of that type; the first one also records the time to first event. */
  event(type: string): void;
  /** Counts text tokens sent. */
  tokens(count: number): void;
  /** Records the end (`completed`, `client_gone`, `overflow`, `server_shutdown`, `error`…); once. */
  completed(outcome: string): void;
}

/**
 * Stream metrics for whoever serves streams (runs): start, first event, events, tokens, end.
 * Either use the handle `streamStarted()` returns, which times everything itself, or call
 * the methods below with your own timings.
 */
@Injectable()
export class StreamMetrics {
  private open = 0;
  private rejectedSeen = 0;

  constructor(
    @InjectMetric(M.streamsActive) private readonly active: Gauge,
    @InjectMetric(M.streamsStarted) private readonly started: Counter,
    @InjectMetric(M.streamsCompleted) private readonly ended: Counter<'outcome'>,
    @InjectMetric(M.streamsRejected) private readonly rejected: Counter,
    @InjectMetric(M.streamFirstEvent) private readonly firstEventLatency: Histogram,
    @InjectMetric(M.streamDuration) private readonly duration: Histogram<'outcome'>,
    @InjectMetric(M.streamEvents) private readonly events: Counter<'type'>,
    @InjectMetric(M.streamTokens) private readonly tokenCount: Counter,
    @Optional() private readonly registry?: StreamRegistry,
  ) {}

  /** Counts a stream opened and returns a handle that times it. */
  streamStarted(): StreamObservation {
    this.started.inc();
    this.open += 1;
    const startedAt = performance.now();
    let sawEvent = false;
    let done = false;
    return {
      event: (type) => {
        if (!sawEvent) {
          sawEvent = true;
          this.firstEvent(performance.now() - startedAt);
        }
        this.event(type);
      },
      tokens: (count) => this.tokens(count),
      completed: (outcome) => {
        if (done) return;
        done = true;
        this.completed(outcome, performance.now() - startedAt);
      },
    };
  }

  /** Records the time from opening a stream to its first event. */
  firstEvent(latencyMs: number): void {
    this.firstEventLatency.observe(latencyMs / 1000);
  }

  /** Records a stream's end with its outcome and how long it was open. */
  completed(outcome: string, durationMs: number): void {
    this.open = Math.max(0, this.open - 1);
    this.ended.inc({ outcome });
    this.duration.observe({ outcome }, durationMs / 1000);
  }

  /** Counts one event sent, by type (`message_chunk`, `tool_call`…). */
  event(type: string): void {
    this.events.inc({ type });
  }

  /** Counts text tokens sent. */
  tokens(count: number): void {
    if (count > 0) this.tokenCount.inc(count);
  }

  /**
   * Scrape time: open streams and refusals from the stream registry, the source of truth when
   * present (a forgotten `completed()` cannot leak); else the count kept here.
   */
  refresh(): void {
    if (!this.registry) {
      this.active.set(this.open);
      return;
    }
    const snapshot = this.registry.snapshot();
    this.active.set(snapshot.active);
    if (snapshot.rejected > this.rejectedSeen) {
      this.rejected.inc(snapshot.rejected - this.rejectedSeen);
      this.rejectedSeen = snapshot.rejected;
    }
  }
}
