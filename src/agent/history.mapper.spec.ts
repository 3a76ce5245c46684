import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import type { AgentHistoryMessage } from './agent-run.types';
import {
  MISSING_TOOL_RESULT,
  toAgentMessages,
  toAssistantMessage,
  toToolResultMessage,
} from './history.mapper';
import { countTokens } from './tokenizer';

const call = { id: 'c1', name: 'calculator', args: { expression: '1+1' } };

describe('toAgentMessages', () => {
  it('maps the roles and appends the new user message', () => {
    const history: AgentHistoryMessage[] = [
      { role: 'user', content: 'what is 1+1' },
      { role: 'assistant', content: '', tool_calls: [call] },
      { role: 'tool', content: '2', tool_call_id: 'c1', tool_name: 'calculator' },
      { role: 'assistant', content: 'It is 2.', tool_calls: null },
    ];
    const messages = toAgentMessages(history, 'thanks');

    expect(messages.map((m) => m.getType())).toEqual(['human', 'ai', 'tool', 'ai', 'human']);
    expect((messages[1] as AIMessage).tool_calls).toEqual([{ ...call, type: 'tool_call' }]);
    expect(messages[2]).toMatchObject({ content: '2', tool_call_id: 'c1', name: 'calculator' });
    expect(messages[4]).toBeInstanceOf(HumanMessage);
    expect(messages[4].text).toBe('thanks');
  });

  it('gives every message a unique id', () => {
    const history: AgentHistoryMessage[] = [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b' },
    ];
    const ids = toAgentMessages(history, 'c').map((m) => m.id);
    expect(new Set(ids).size).toBe(3);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
  });

  it('makes up an error result for a tool call whose run stopped before its result', () => {
    const history: AgentHistoryMessage[] = [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: '', tool_calls: [call, { ...call, id: 'c2' }] },
      { role: 'tool', content: '2', tool_call_id: 'c1', tool_name: 'calculator' },
    ];
    const messages = toAgentMessages(history, 'again');

    expect(messages.map((m) => m.getType())).toEqual(['human', 'ai', 'tool', 'tool', 'human']);
    const made = messages[3] as ToolMessage;
    expect(made).toMatchObject({
      tool_call_id: 'c2',
      status: 'error',
      content: MISSING_TOOL_RESULT,
    });
  });

  it('settles a dangling call before the next user message too', () => {
    const history: AgentHistoryMessage[] = [
      { role: 'assistant', content: 'let me check', tool_calls: [call] },
      { role: 'user', content: 'never mind' },
    ];
    const types = toAgentMessages(history, 'next').map((m) => m.getType());
    expect(types).toEqual(['ai', 'tool', 'human', 'human']);
  });

  it('drops tool results whose call is not in the history, and empty assistant messages', () => {
    const history: AgentHistoryMessage[] = [
      { role: 'tool', content: 'orphan', tool_call_id: 'gone', tool_name: 'calculator' },
      { role: 'tool', content: 'no id' },
      { role: 'user', content: 'q' },
      { role: 'assistant', content: '' },
    ];
    expect(toAgentMessages(history, 'next').map((m) => m.getType())).toEqual(['human', 'human']);
  });

  it('names a tool result after its call when the stored name is missing', () => {
    const history: AgentHistoryMessage[] = [
      { role: 'assistant', content: '', tool_calls: [call] },
      { role: 'tool', content: '2', tool_call_id: 'c1' },
    ];
    expect(toAgentMessages(history, 'x')[1]).toMatchObject({ name: 'calculator' });
  });
});

describe('stored shapes', () => {
  it('stores an assistant message with its tool calls only when it has some', () => {
    const withCall = new AIMessage({ content: '', tool_calls: [call] });
    expect(toAssistantMessage(withCall, 5)).toEqual({
      role: 'assistant',
      content: '',
      tool_calls: [call],
      tokens: 5,
    });
    expect(toAssistantMessage(new AIMessage('hi'), 1)).toEqual({
      role: 'assistant',
      content: 'hi',
      tokens: 1,
    });
  });

  it('stores a tool result with its call id, tool name and error flag', () => {
    const failed = new ToolMessage({
      content: 'Error: boom',
      tool_call_id: 'c1',
      name: 'calculator',
      status: 'error',
    });
    expect(toToolResultMessage(failed)).toEqual({
      role: 'tool',
      content: 'Error: boom',
      tool_call_id: 'c1',
      tool_name: 'calculator',
      is_error: true,
      tokens: countTokens('Error: boom'),
    });
    const ok = new ToolMessage({ content: '2', tool_call_id: 'c1', name: 'calculator' });
    expect(toToolResultMessage(ok).is_error).toBe(false);
  });
});
