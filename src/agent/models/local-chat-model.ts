import { createHash } from 'node:crypto';
import { setImmediate as nextTurn, setTimeout as delay } from 'node:timers/promises';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import type { BaseLanguageModelInput, ToolDefinition } from '@langchain/core/language_models/base';
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BaseChatModelParams,
  type BindToolsInput,
} from '@langchain/core/language_models/chat_models';
import { AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import type { Runnable } from '@langchain/core/runnables';
import { convertToOpenAITool } from '@langchain/core/utils/function_calling';
import { planLocalReply } from './local-reply.planner';

/** Options of {@link LocalChatModel}. */
export interface LocalChatModelFields extends BaseChatModelParams {
  /** Pause between two streamed words (default 15 ms), to look like a real model. */
  tokenDelayMs?: number;
}

/** Call options of {@link LocalChatModel}: the tools bound with `bindTools`. */
export interface LocalChatModelCallOptions extends BaseChatModelCallOptions {
  tools?: ToolDefinition[];
}

/** The default pause between two streamed words. */
export const DEFAULT_LOCAL_TOKEN_DELAY_MS = 15;

/**
 * An offline, deterministic chat model for development and tests; never for production answers.
 *
 * It behaves like a tool-calling provider without any network: with tools bound, it calls
 * `calculator` when the latest user message holds arithmetic ("what is 12 * (3 + 4)?"),
 * `search_knowledge_base` when it asks to search the knowledge base, `current_time` when it asks
 * the time; once the tool results are in, it answers from them ("The result is 84."). Otherwise it
 * streams a fixed preamble followed by the user's words, one word per `tokenDelayMs`, so a longer
 * input gives a longer answer. It honours the call's AbortSignal at once, even in the middle of a
 * pause, and reports no token usage, so callers exercise their own counting.
 */
export class LocalChatModel extends BaseChatModel<LocalChatModelCallOptions> {
  /** Pause between two streamed words. */
  readonly tokenDelayMs: number;

  /** @param fields see {@link LocalChatModelFields} */
  constructor(fields: LocalChatModelFields = {}) {
    super(fields);
    this.tokenDelayMs = fields.tokenDelayMs ?? DEFAULT_LOCAL_TOKEN_DELAY_MS;
  }

  /** LangChain's serialization name. */
  static override lc_name(): string {
    return 'LocalChatModel';
  }

  /** The provider name LangChain reports in traces. */
  override _llmType(): string {
    return 'local';
  }

  /** Binds tools the way providers do: as call options, in the OpenAI tool format. */
  override bindTools(
    tools: BindToolsInput[],
    kwargs?: Partial<LocalChatModelCallOptions>,
  ): Runnable<BaseLanguageModelInput, AIMessageChunk, LocalChatModelCallOptions> {
    return this.withConfig({
      ...kwargs,
      tools: tools.map((tool) => convertToOpenAITool(tool)),
    });
  }

  /** Answers in one piece, by joining the stream. */
  override async _generate(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    let whole: ChatGenerationChunk | undefined;
    for await (const chunk of this._streamResponseChunks(messages, options, runManager)) {
      whole = whole ? whole.concat(chunk) : chunk;
    }
    // The stream always yields at least its closing chunk.
    return { generations: [whole as ChatGenerationChunk] };
  }

  /** Streams the answer word by word, or a tool call in two pieces as real providers do. */
  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const signal = options.signal;
    signal?.throwIfAborted();
    const toolNames = new Set((options.tools ?? []).map((tool) => tool.function.name));
    const reply = planLocalReply(messages, toolNames);

    if (reply.kind === 'tool_call') {
      const args = JSON.stringify(reply.args);
      const half = Math.ceil(args.length / 2);
      const id = toolCallId(messages);
      const pieces = [
        { index: 0, id, name: reply.name, args: args.slice(0, half) },
        { index: 0, args: args.slice(half) },
      ];
      for (const [i, piece] of pieces.entries()) {
        if (i > 0) await this.pause(signal);
        const chunk = new ChatGenerationChunk({
          text: '',
          message: new AIMessageChunk({
            content: '',
            tool_call_chunks: [{ ...piece, type: 'tool_call_chunk' }],
          }),
        });
        yield chunk;
        await runManager?.handleLLMNewToken('', undefined, undefined, undefined, undefined, {
          chunk,
        });
      }
      yield closingChunk('tool_calls');
      return;
    }

    const words = reply.text.match(/\S+\s*/g) ?? [];
    for (const [i, word] of words.entries()) {
      if (i > 0) await this.pause(signal);
      const chunk = new ChatGenerationChunk({
        text: word,
        message: new AIMessageChunk({ content: word }),
      });
      yield chunk;
      await runManager?.handleLLMNewToken(word, undefined, undefined, undefined, undefined, {
        chunk,
      });
    }
    yield closingChunk('stop');
  }

  /**
   * Waits `tokenDelayMs`, and throws the abort reason as soon as the signal fires. At 0 ms it
   * still yields to the event loop, as a network provider's tokens arrive in separate socket
   * reads: without that, a whole answer was produced in one run of microtasks, so Node (which
   * flushes a response's writes at the end of the tick) sent it to the client in one piece after
   * the last word, and the process served nothing else meanwhile.
   */
  private async pause(signal: AbortSignal | undefined): Promise<void> {
    try {
      if (this.tokenDelayMs > 0) await delay(this.tokenDelayMs, undefined, { signal });
      else await nextTurn(undefined, { signal });
    } finally {
      // Node rejects with its own AbortError; the signal's reason tells why (cancel, timeout).
      signal?.throwIfAborted();
    }
  }
}

/** The last chunk: no text, only why the answer ended (merged into the final message). */
function closingChunk(finishReason: 'stop' | 'tool_calls'): ChatGenerationChunk {
  return new ChatGenerationChunk({
    text: '',
    message: new AIMessageChunk({
      content: '',
      response_metadata: { finish_reason: finishReason, model_provider: 'local' },
    }),
    generationInfo: { finish_reason: finishReason },
  });
}

/**
 * A tool call id that is the same for the same conversation (determinism) and differs between
 * turns, because each turn adds messages.
 */
function toolCallId(messages: readonly BaseMessage[]): string {
  const hash = createHash('sha256');
  for (const message of messages) hash.update(`${message.getType()}\u0000${message.text}\u0001`);
  return `call_local_${hash.digest('hex').slice(0, 16)}`;
}
