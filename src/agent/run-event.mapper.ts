import { AIMessage, AIMessageChunk, type BaseMessage, ToolMessage } from '@langchain/core/messages';
import type {
  AgentEvent,
  AgentToolCall,
  ApprovalRequiredEvent,
  AgentFinishReason,
  AgentProducedMessage,
  AgentRunPartial,
  AgentRunResult,
  MessageChunkEvent,
  ToolResultEvent,
} from './agent-run.types';
import { toAssistantMessage, toToolCalls, toToolResultMessage } from './history.mapper';
import { UsageTotal } from './run-usage';
import { countTokens } from './tokenizer';

function isAssistantMessage(message: unknown): message is AIMessage | AIMessageChunk {
  return AIMessageChunk.isInstance(message) || AIMessage.isInstance(message);
}

/**
 * Reads the finish reason a provider left on its message: OpenAI's `finish_reason`, Anthropic's
 * `stop_reason` (in `additional_kwargs` when streamed), Ollama's `done_reason`.
 */
export function providerFinishReason(message: {
  response_metadata?: Record<string, unknown>;
  additional_kwargs?: Record<string, unknown>;
}): AgentFinishReason {
  const reason = [message.response_metadata, message.additional_kwargs]
    .map((fields = {}) => fields.finish_reason ?? fields.stop_reason ?? fields.done_reason)
    .find((value) => value !== undefined);
  if (reason === 'length' || reason === 'max_tokens') return 'length';
  if (reason === 'content_filter' || reason === 'refusal') return 'content_filter';
  return 'stop';
}

/**
 * Turns what the agent's stream gives into agent events, and keeps the run's summary.
 *
 * - `messages` mode (token chunks) gives the `message_chunk`s.
 * - `values` mode (the state after each step) gives the new messages, complete: an assistant
 *   message's tool calls with their whole arguments however the provider split them, and tool
 *   results. New means past the messages already seen, since the state only grows during a run.
 *
 * An assistant message whose text never came as chunks (a hook answered from a cache, a provider
 * that does not stream) is emitted as one chunk, so that the chunks always add up to the text.
 */
export class RunEventMapper {
  private seen: number;
  private readonly streamedIds = new Set<string>();
  private text = '';
  private readonly messages: AgentProducedMessage[] = [];
  private readonly usage = new UsageTotal();
  private lastMessage?: BaseMessage;
  /** The tool calls of the last assistant message, which approval requests refer to. */
  private lastToolCalls: AgentToolCall[] = [];
  private readonly pending: ApprovalRequiredEvent[] = [];

  /** @param inputCount how many messages the run started with (history and the user message) */
  constructor(inputCount: number) {
    this.seen = inputCount;
  }

  /** One item of the `messages` stream mode: `[message chunk, metadata]`. */
  fromMessagesMode(payload: unknown): MessageChunkEvent[] {
    const message: unknown = Array.isArray(payload) ? payload[0] : undefined;
    if (!isAssistantMessage(message)) return [];
    // A streamed chunk's content is nearly always a plain string: read it directly, as `.text`
    // rebuilds the content blocks through LangChain's translators on every chunk.
    const text = typeof message.content === 'string' ? message.content : message.text;
    if (!text) return [];
    if (message.id) this.streamedIds.add(message.id);
    return [this.chunk(text)];
  }

  /**
   * One item of the `values` stream mode: the agent state, or the interrupt of the
   * human-in-the-loop middleware (tool calls waiting for approval).
   */
  fromValuesMode(payload: unknown): AgentEvent[] {
    const interrupts = (payload as { __interrupt__?: unknown } | undefined)?.__interrupt__;
    if (Array.isArray(interrupts)) return this.approvalEvents(interrupts);
    const messages = (payload as { messages?: unknown } | undefined)?.messages;
    if (!Array.isArray(messages) || messages.length <= this.seen) return [];
    const added: unknown[] = messages.slice(this.seen);
    this.seen = messages.length;
    const events: AgentEvent[] = [];
    for (const message of added) {
      if (isAssistantMessage(message)) events.push(...this.assistantEvents(message));
      else if (ToolMessage.isInstance(message)) events.push(this.toolResultEvent(message));
    }
    return events;
  }

  /** What the run produced so far (for an error's `partial`). */
  partial(): AgentRunPartial {
    return { text: this.text, messages: [...this.messages], usage: this.usage.snapshot() };
  }

  /**
   * The summary of a run that ended normally.
   *
   * @param limitHit the loop was stopped by the model-call limit or the recursion limit
   */
  result(limitHit = false): AgentRunResult {
    const result: AgentRunResult = {
      ...this.partial(),
      finish_reason: limitHit ? 'length' : this.finishReason(),
    };
    if (this.pending.length > 0) result.pending = [...this.pending];
    return result;
  }

  /**
   * One `approval_required` per tool call the interrupt asks about. The middleware's requests
   * carry the tool's name and arguments, in the order of the assistant message's tool calls that
   * need approval: each is matched to the next such call, whose id it gets.
   */
  private approvalEvents(interrupts: unknown[]): ApprovalRequiredEvent[] {
    const requests = interrupts.flatMap((interrupt) => {
      const value = (interrupt as { value?: { actionRequests?: unknown } } | undefined)?.value;
      return Array.isArray(value?.actionRequests)
        ? (value.actionRequests as Array<{ name: string; args?: Record<string, unknown> }>)
        : [];
    });
    const unmatched = [...this.lastToolCalls];
    const events = requests.map((request): ApprovalRequiredEvent => {
      const index = unmatched.findIndex((call) => call.name === request.name);
      const call = index >= 0 ? unmatched.splice(index, 1)[0] : undefined;
      return {
        type: 'approval_required',
        tool_call_id: call?.id ?? '',
        tool_name: request.name,
        args: request.args ?? {},
      };
    });
    this.pending.push(...events);
    return events;
  }

  private finishReason(): AgentFinishReason {
    const last = this.lastMessage;
    // The tool-call limit ends the loop on the blocked calls' results, before any answer.
    if (last === undefined || ToolMessage.isInstance(last)) return last ? 'length' : 'stop';
    return providerFinishReason(last);
  }

  private assistantEvents(message: AIMessage | AIMessageChunk): AgentEvent[] {
    const events: AgentEvent[] = [];
    const text = message.text;
    if (text && !(message.id && this.streamedIds.has(message.id))) events.push(this.chunk(text));
    const tokens = this.usage.add(message);
    this.messages.push(toAssistantMessage(message, tokens));
    this.lastMessage = message;
    this.lastToolCalls = toToolCalls(message);
    for (const call of this.lastToolCalls) {
      events.push({
        type: 'tool_call',
        tool_name: call.name,
        tool_call_id: call.id,
        args: call.args,
      });
    }
    return events;
  }

  private toolResultEvent(message: ToolMessage): ToolResultEvent {
    const stored = toToolResultMessage(message);
    this.messages.push(stored);
    this.lastMessage = message;
    return {
      type: 'tool_result',
      tool_name: stored.tool_name ?? '',
      tool_call_id: stored.tool_call_id ?? '',
      result: stored.content,
      is_error: stored.is_error ?? false,
    };
  }

  private chunk(content: string): MessageChunkEvent {
    this.text += content;
    return { type: 'message_chunk', content, tokens: countTokens(content) };
  }
}
