import { Injectable } from '@nestjs/common';
import type { AIMessage } from '@langchain/core/messages';
import {
  AgentCancelledError,
  AgentTimeoutError,
  type AgentCallHooks,
  type ModelCallInfo,
  type ModelCallNext,
  type ToolCallInfo,
  type ToolCallNext,
  type ToolCallOutcome,
} from '../agent';
import { LlmMetrics, type LlmCallOutcome } from '../metrics';
import { CircuitBreakerRegistry, CircuitOpenError } from '../resilience';
import { classifyLlmError } from './llm-error.classifier';

/**
 * The agent's resilience seams: every model call goes through the `llm` breaker (a failing
 * provider opens it and later calls are refused at once, without reaching the provider), every
 * tool call through the `tools` breaker (an open circuit becomes an `is_error` tool result and the
 * agent carries on), and model calls are timed for Prometheus. It tells the `llm` breaker how to
 * count what a model call throws, once, when the app is built.
 */
@Injectable()
export class ResilientAgentHooks implements AgentCallHooks {
  constructor(
    private readonly breakers: CircuitBreakerRegistry,
    private readonly metrics: LlmMetrics,
  ) {
    breakers.classify('llm', classifyLlmError);
  }

  /** Runs one model call under the `llm` breaker and records its duration and outcome. */
  async wrapModelCall(call: ModelCallInfo, next: ModelCallNext): Promise<AIMessage> {
    const started = performance.now();
    try {
      const message = await this.breakers.execute('llm', () =>
        next().catch((error: unknown) => {
          // Whatever a provider throws when the run is aborted (cancel, a client that left,
          // shutdown), it says nothing about the provider: make it a cancel, which is not counted.
          if (call.signal?.aborted && !(error instanceof AgentCancelledError)) {
            throw new AgentCancelledError(undefined, { cause: error });
          }
          throw error;
        }),
      );
      this.metrics.observeCall(performance.now() - started, 'success');
      return message;
    } catch (error) {
      const outcome = outcomeOf(error);
      this.metrics.observeCall(performance.now() - started, outcome);
      if (outcome === 'error' || outcome === 'timeout') this.metrics.error(kindOf(error));
      throw error;
    }
  }

  /** Runs one tool call under the `tools` breaker. */
  wrapToolCall(_call: ToolCallInfo, next: ToolCallNext): Promise<ToolCallOutcome> {
    return this.breakers.execute('tools', () => next());
  }
}

function outcomeOf(error: unknown): LlmCallOutcome {
  if (error instanceof CircuitOpenError) return 'rejected';
  if (error instanceof AgentCancelledError) return 'cancelled';
  if (error instanceof AgentTimeoutError) return 'timeout';
  return 'error';
}

function kindOf(error: unknown): string {
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number')
    return status === 429 ? 'rate_limited' : `http_${Math.floor(status / 100)}xx`;
  if (error instanceof AgentTimeoutError) return 'timeout';
  return error instanceof Error ? error.name : 'unknown';
}
