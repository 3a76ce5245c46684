import { Inject, Injectable } from '@nestjs/common';
import {
  healthConfig,
  llmConfig,
  type BreakerName,
  type HealthConfig,
  type LlmConfig,
} from '../config';
import { CircuitBreakerRegistry, type BreakerState } from '../resilience';
import type { DependencyReport, DependencyState } from './dependency-report';
import { LlmProviderProbe, type LlmProbeTarget } from './llm-provider.probe';

const LLM_BREAKER: BreakerName = 'llm';
const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';
const OLLAMA_DEFAULT_BASE_URL = 'http://127.0.0.1:11434';

// Worse states win when the probe and the breaker disagree.
const SEVERITY: Record<DependencyState, number> = {
  up: 0,
  not_configured: 0,
  unknown: 1,
  degraded: 2,
  down: 3,
};

/**
 * The model provider, for `/health/detailed` only: readiness never depends on it, as every
 * replica shares it and failing them all would take the whole service down. Combines a cached
 * reachability probe with the `llm` breaker (OPEN: down, HALF_OPEN: degraded).
 */
@Injectable()
export class LlmProviderIndicator {
  private readonly probe: LlmProviderProbe;

  constructor(
    @Inject(llmConfig.KEY) private readonly llm: LlmConfig,
    @Inject(healthConfig.KEY) health: HealthConfig,
    private readonly breakers: CircuitBreakerRegistry,
  ) {
    this.probe = new LlmProviderProbe(
      probeTarget(llm),
      health.llmProbe.timeoutMs,
      health.llmProbe.cacheMs,
    );
  }

  /** The provider's reachability combined with the `llm` breaker. */
  async check(): Promise<DependencyReport> {
    const probe = await this.probe.current();
    const circuit = this.breakers.has(LLM_BREAKER) ? this.breakers.get(LLM_BREAKER).state : null;
    const fromCircuit = circuitVerdict(circuit);
    const state = SEVERITY[fromCircuit] > SEVERITY[probe.state] ? fromCircuit : probe.state;
    return {
      state,
      provider: this.llm.provider,
      model: this.llm.model ?? null,
      circuit_state: circuit,
      probe,
    };
  }
}

function circuitVerdict(state: BreakerState | null): DependencyState {
  if (state === 'OPEN') return 'down';
  if (state === 'HALF_OPEN') return 'degraded';
  return 'up';
}

/** What to call for each provider; never a model call. */
export function probeTarget(llm: LlmConfig): LlmProbeTarget {
  switch (llm.provider) {
    case 'local':
      return { result: { state: 'up', message: 'Built-in offline model: nothing to reach' } };
    case 'openai': {
      const base = (llm.openaiBaseUrl ?? OPENAI_DEFAULT_BASE_URL).replace(/\/+$/, '');
      return {
        url: `${base}/models`,
        headers: llm.openaiApiKey ? { Authorization: `Bearer ${llm.openaiApiKey}` } : {},
      };
    }
    case 'ollama': {
      const base = (llm.ollamaBaseUrl ?? OLLAMA_DEFAULT_BASE_URL).replace(/\/+$/, '');
      return { url: `${base}/api/tags` };
    }
    case 'anthropic':
      // Anthropic has no free endpoint to probe without spending a call: report configuration.
      return {
        result: {
          state: 'unknown',
          configured: llm.anthropicApiKey !== undefined,
          message: llm.anthropicApiKey
            ? 'Configured; not probed (no free endpoint)'
            : 'ANTHROPIC_API_KEY is not set',
        },
      };
  }
}
