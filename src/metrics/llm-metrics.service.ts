import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { llmConfig, type LlmConfig } from '../config';
import { METRIC_NAMES as M } from './metric-names';

/** How a model call ended. */
export type LlmCallOutcome = 'success' | 'error' | 'timeout' | 'cancelled' | 'rejected';

/** Which way tokens went. */
export type TokenDirection = 'input' | 'output';

/** Model-call metrics, labelled with the configured provider (`LLM_PROVIDER`). */
@Injectable()
export class LlmMetrics {
  private readonly provider: string;

  constructor(
    @InjectMetric(M.llmCallDuration)
    private readonly duration: Histogram<'provider' | 'outcome'>,
    @InjectMetric(M.llmTokens) private readonly tokenCount: Counter<'provider' | 'direction'>,
    @InjectMetric(M.llmErrors) private readonly errors: Counter<'provider' | 'kind'>,
    @Inject(llmConfig.KEY) config: LlmConfig,
  ) {
    this.provider = config.provider;
  }

  /** Records one model call's duration and outcome. */
  observeCall(durationMs: number, outcome: LlmCallOutcome): void {
    this.duration.observe({ provider: this.provider, outcome }, durationMs / 1000);
  }

  /** Counts tokens sent to (`input`) or received from (`output`) the model. */
  tokens(direction: TokenDirection, count: number): void {
    if (count > 0) this.tokenCount.inc({ provider: this.provider, direction }, count);
  }

  /** Counts a failed call by kind (`timeout`, `rate_limited`, `server_error`…; keep the set small). */
  error(kind: string): void {
    this.errors.inc({ provider: this.provider, kind });
  }
}
