import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { METRIC_NAMES as M } from './metric-names';

/** How a run ended, as counted: an answer, a cancel, an answer from the cache, or an error. */
export type RunOutcomeLabel = 'completed' | 'cancelled' | 'degraded' | 'failed';

/** The parts of a run's terminal event (`complete_state` or `error`) the metrics read. */
export type TerminalEventFigures =
  | {
      type: 'complete_state';
      finish_reason: string;
      degraded: boolean;
      usage: { input_tokens: number; output_tokens: number };
    }
  | { type: 'error'; code: string };

/** One executing run; from {@link RunMetrics.runStarted}. */
export interface RunObservation {
  /** Counts the run's end by its terminal event and returns that event; once. */
  ended<E extends TerminalEventFigures>(event: E): E;
  /** The run paused for approval: no longer executing, not ended (its continuation counts anew). */
  paused(): void;
}

/** The outcome and reason a terminal event is counted under. */
export function runOutcomeOf(event: TerminalEventFigures): {
  outcome: RunOutcomeLabel;
  reason: string;
} {
  if (event.type === 'error') return { outcome: 'failed', reason: event.code };
  if (event.degraded) return { outcome: 'degraded', reason: event.finish_reason };
  if (event.finish_reason === 'cancelled') return { outcome: 'cancelled', reason: 'cancelled' };
  return { outcome: 'completed', reason: event.finish_reason };
}

/** Run metrics: runs executing, runs ended by outcome, their duration and their tokens. */
@Injectable()
export class RunMetrics {
  constructor(
    @InjectMetric(M.runsActive) private readonly active: Gauge,
    @InjectMetric(M.runsFinished) private readonly finished: Counter<'outcome' | 'reason'>,
    @InjectMetric(M.runDuration) private readonly duration: Histogram<'outcome'>,
    @InjectMetric(M.runTokens) private readonly tokens: Histogram<'direction'>,
  ) {}

  /** A run begins executing; `requestedAt` (epoch ms) is when it was asked for. */
  runStarted(requestedAt: number): RunObservation {
    this.active.inc();
    let done = false;
    return {
      ended: (event) => {
        if (done) return event;
        done = true;
        this.active.dec();
        const { outcome, reason } = runOutcomeOf(event);
        this.finished.inc({ outcome, reason });
        this.duration.observe({ outcome }, Math.max(0, Date.now() - requestedAt) / 1000);
        if (event.type === 'complete_state') {
          this.tokens.observe({ direction: 'input' }, event.usage.input_tokens);
          this.tokens.observe({ direction: 'output' }, event.usage.output_tokens);
        }
        return event;
      },
      paused: () => {
        if (done) return;
        done = true;
        this.active.dec();
      },
    };
  }

  /**
   * Counts the end of a run that was paused for approval and ends without executing again
   * (cancelled, or its approval expired): its outcome, not a duration (it was not executing).
   */
  pausedRunEnded<E extends TerminalEventFigures>(event: E): E {
    const { outcome, reason } = runOutcomeOf(event);
    this.finished.inc({ outcome, reason });
    return event;
  }
}
