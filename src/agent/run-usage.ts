import type { AIMessage } from '@langchain/core/messages';
import type { AgentUsage } from './agent-run.types';
import { countTokens } from './tokenizer';

/** `response_metadata` key set on a model response whose usage was counted, not reported. */
export const USAGE_ESTIMATED_KEY = 'usage_estimated';

/**
 * Sums the usage of a run's model responses. Provider-reported `usage_metadata` is taken as it
 * is; a response marked {@link USAGE_ESTIMATED_KEY}, or one without usage at all (a hook answered
 * without calling the model), makes the total `estimated`.
 */
export class UsageTotal {
  private inputTokens = 0;
  private outputTokens = 0;
  private estimated = false;

  /**
   * Adds one model response.
   *
   * @returns its output tokens, for the stored message
   */
  add(response: AIMessage): number {
    const usage = response.usage_metadata;
    if (!usage) {
      const counted = countTokens(response.text);
      this.outputTokens += counted;
      this.estimated = true;
      return counted;
    }
    this.inputTokens += usage.input_tokens;
    this.outputTokens += usage.output_tokens;
    if (response.response_metadata?.[USAGE_ESTIMATED_KEY] === true) this.estimated = true;
    return usage.output_tokens;
  }

  /** The total so far. */
  snapshot(): AgentUsage {
    return {
      input_tokens: this.inputTokens,
      output_tokens: this.outputTokens,
      estimated: this.estimated,
    };
  }
}
