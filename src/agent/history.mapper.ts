import { AIMessage, type BaseMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import type { AgentHistoryMessage, AgentProducedMessage, AgentToolCall } from './agent-run.types';
import { countTokens, rememberMessageTokens } from './tokenizer';

/** Content of the result made up for a tool call the history has no result for. */
export const MISSING_TOOL_RESULT = 'No result: the run stopped before this tool call finished.';

/**
 * Turns the stored conversation and the new user message into LangChain messages, repairing what
 * providers reject: a tool call without a result (a run cancelled mid-tool) gets an error result,
 * a tool result whose call is not in the history is dropped, and an empty assistant message
 * (a run that failed before any text) is skipped. Every message gets a unique id, which LangGraph
 * uses to tell the history apart from what the run adds.
 */
export function toAgentMessages(
  history: readonly AgentHistoryMessage[],
  message: string,
): BaseMessage[] {
  const messages: BaseMessage[] = [];
  const pending = new Map<string, string>();
  const settlePending = () => {
    for (const [callId, name] of pending) {
      messages.push(
        new ToolMessage({
          id: `history-missing-${callId}`,
          content: MISSING_TOOL_RESULT,
          tool_call_id: callId,
          name,
          status: 'error',
        }),
      );
    }
    pending.clear();
  };

  const push = (entry: AgentHistoryMessage, message: BaseMessage) => {
    if (entry.tokens) rememberMessageTokens(message, entry.tokens);
    messages.push(message);
  };

  history.forEach((entry, index) => {
    const id = `history-${index}`;
    switch (entry.role) {
      case 'user':
        settlePending();
        push(entry, new HumanMessage({ id, content: entry.content }));
        break;
      case 'assistant': {
        settlePending();
        const calls = entry.tool_calls ?? [];
        if (entry.content === '' && calls.length === 0) break;
        push(
          entry,
          new AIMessage({
            id,
            content: entry.content,
            tool_calls: calls.map((call) => ({ ...call, type: 'tool_call' as const })),
          }),
        );
        for (const call of calls) pending.set(call.id, call.name);
        break;
      }
      case 'tool': {
        const callId = entry.tool_call_id;
        if (!callId || !pending.has(callId)) break;
        push(
          entry,
          new ToolMessage({
            id,
            content: entry.content,
            tool_call_id: callId,
            name: entry.tool_name ?? pending.get(callId),
          }),
        );
        pending.delete(callId);
        break;
      }
    }
  });
  settlePending();
  messages.push(new HumanMessage({ id: 'input', content: message }));
  return messages;
}

/** The tool calls of an assistant message, in the stored shape. */
export function toToolCalls(message: AIMessage): AgentToolCall[] {
  return (message.tool_calls ?? []).map((call) => ({
    id: call.id ?? '',
    name: call.name,
    args: call.args,
  }));
}

/** An assistant message to store. */
export function toAssistantMessage(message: AIMessage, tokens: number): AgentProducedMessage {
  const toolCalls = toToolCalls(message);
  return {
    role: 'assistant',
    content: message.text,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    tokens,
  };
}

/** A tool result to store. */
export function toToolResultMessage(message: ToolMessage): AgentProducedMessage {
  const content = message.text;
  return {
    role: 'tool',
    content,
    tool_call_id: message.tool_call_id,
    tool_name: message.name ?? '',
    is_error: message.status === 'error',
    tokens: countTokens(content),
  };
}
