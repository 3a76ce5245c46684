import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import type { BaseMessage, MessageContent } from '@langchain/core/messages';
import type { ChatGenerationChunk } from '@langchain/core/outputs';
import { ChatOpenAICompletions } from '@langchain/openai';
import { countTokens } from '../tokenizer';

/**
 * ChatOpenAI's Chat Completions client, adjusted for the agent in two places; everything else,
 * HTTP included, is the library's.
 *
 * - Offline token counting. `@langchain/core` counts tokens by downloading tiktoken ranks the
 *   first time (ChatOpenAI does so to estimate usage when it streams inside `invoke`), which
 *   stalls or fails without internet; this counts with the bundled ranks instead.
 * - The finish reason on the message. The stream carries `finish_reason` in each chunk's
 *   generation info, which LangChain copies onto the message only when the caller iterates the
 *   model's own stream; inside an agent it was lost, and with it the "length" of a cut answer.
 */
export class AgentOpenAICompletions extends ChatOpenAICompletions {
  /** Counts tokens with the bundled o200k_base ranks; never fetches anything. */
  override getNumTokens(content: MessageContent): Promise<number> {
    const text =
      typeof content === 'string'
        ? content
        : content.map((block) => (block.type === 'text' ? String(block.text) : '')).join('');
    return Promise.resolve(countTokens(text));
  }

  /** The library's stream, with each chunk's finish reason copied onto its message. */
  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    for await (const chunk of super._streamResponseChunks(messages, options, runManager)) {
      const finishReason: unknown = chunk.generationInfo?.finish_reason;
      if (finishReason !== undefined && finishReason !== null) {
        chunk.message.response_metadata = {
          ...chunk.message.response_metadata,
          finish_reason: finishReason,
        };
      }
      yield chunk;
    }
  }
}
