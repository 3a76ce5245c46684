import { AIMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { MiddlewareError, ToolInvocationError } from 'langchain';
import type { AgentEvent } from '../agent-run.types';
import { AgentRunner } from '../agent-runner';
import { AgentCancelledError } from '../agent.errors';
import { describeToolError } from './tool-error.middleware';

describe('describeToolError', () => {
  it('gives the error message, unwrapped from middleware layers', () => {
    expect(describeToolError(MiddlewareError.wrap(new Error('boom'), 'm'))).toBe('Error: boom');
    expect(describeToolError('plain')).toBe('Error: plain');
  });

  it('keeps the validation message of bad arguments but not the stack trace', () => {
    const cause = new Error('expected string, received number');
    const error = new ToolInvocationError(cause, {
      id: 'c1',
      name: 'calculator',
      args: { expression: 5 },
    });
    expect(error.message).toContain(' at '); // LangChain's own message carries the stack
    expect(describeToolError(error)).toBe('Error: expected string, received number');
  });
});

describe('tool errors in the agent', () => {
  it('answers arguments that fail the schema with an error result the model reads', async () => {
    const model = fakeModel()
      .respond(
        new AIMessage({
          content: '',
          tool_calls: [{ name: 'calculator', args: { expression: 42 }, id: 'c1' }],
        }),
      )
      .respond(new AIMessage('Sorry.'));
    const events: AgentEvent[] = [];
    for await (const e of new AgentRunner({}, { model }).run({ history: [], message: 'x' })) {
      events.push(e);
    }

    const result = events.find((e) => e.type === 'tool_result');
    expect(result).toMatchObject({ tool_call_id: 'c1', is_error: true });
    expect(result?.type === 'tool_result' && result.result).toMatch(/^Error: .*expression/s);
    expect(result?.type === 'tool_result' && result.result).not.toMatch(/\n\s+at /);
    const toolMessage = model.calls[1].messages.at(-1);
    expect(toolMessage?.getType()).toBe('tool');
    expect(events.at(-1)).toMatchObject({ type: 'final', text: 'Sorry.' });
  });

  it('ends the run as cancelled when it is cancelled during a tool call', async () => {
    const controller = new AbortController();
    const search = jest.fn((_q: string, _k: number, signal?: AbortSignal) => {
      setTimeout(() => controller.abort(), 10);
      return new Promise<never>((_, reject) =>
        signal?.addEventListener('abort', () => reject(new Error('search aborted'))),
      );
    });
    const runner = new AgentRunner({ localTokenDelayMs: 0 }, { knowledge: { search } });
    const events: AgentEvent[] = [];

    await expect(async () => {
      for await (const e of runner.run({
        history: [],
        message: 'search the knowledge base for x',
        signal: controller.signal,
      })) {
        events.push(e);
      }
    }).rejects.toBeInstanceOf(AgentCancelledError);
    expect(search).toHaveBeenCalledTimes(1);
    expect(events.map((e) => e.type)).toEqual(['tool_call']);
  });
});
