import { AIMessage, ToolMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import type { AgentCallHooks, ModelCallInfo, ToolCallInfo } from '../agent-call-hooks';
import type { AgentEvent } from '../agent-run.types';
import { AgentRunner, type AgentRunnerDependencies } from '../agent-runner';
import { AgentModelError, AgentTimeoutError } from '../agent.errors';
import { LocalChatModel } from '../models/local-chat-model';

async function run(deps: AgentRunnerDependencies, message: string, settings = {}) {
  const events: AgentEvent[] = [];
  for await (const event of new AgentRunner({ localTokenDelayMs: 0, ...settings }, deps).run({
    history: [],
    message,
  })) {
    events.push(event);
  }
  return events;
}

describe('callHooksMiddleware (the resilience seams)', () => {
  it('hands every model call to the hook, with what it needs to know', async () => {
    const seen: ModelCallInfo[] = [];
    const hooks: AgentCallHooks = {
      wrapModelCall: (call, next) => {
        seen.push(call);
        return next();
      },
    };
    const events = await run({ hooks }, 'what is 2 + 2');

    expect(seen).toHaveLength(2); // the tool call, then the answer
    expect(seen[0]).toMatchObject({ provider: 'local', model: 'local-echo' });
    expect(seen[0].signal).toBeInstanceOf(AbortSignal);
    expect(seen[0].request.messages.at(-1)?.text).toBe('what is 2 + 2');
    expect(seen[1].request.messages.at(-1)?.getType()).toBe('tool');
    expect(events.at(-1)).toMatchObject({ type: 'final', text: 'The result is 4.' });
  });

  it('lets a hook answer without calling the model (a cache)', async () => {
    const model = fakeModel(); // would throw if called: nothing queued
    const events = await run(
      { model, hooks: { wrapModelCall: () => Promise.resolve(new AIMessage('from cache')) } },
      'hi',
    );
    expect(model.callCount).toBe(0);
    expect(events.at(-1)).toMatchObject({
      type: 'final',
      text: 'from cache',
      usage: { estimated: true },
    });
  });

  it('gives the hook typed errors, so it can fall back to another model', async () => {
    const failures: unknown[] = [];
    const fallback = fakeModel().respond(new AIMessage('fallback answer'));
    const primary = fakeModel().respond(Object.assign(new Error('overloaded'), { status: 529 }));
    const hooks: AgentCallHooks = {
      wrapModelCall: async (call, next) => {
        try {
          return await next();
        } catch (error) {
          failures.push(error);
          return next({ ...call.request, model: fallback });
        }
      },
    };
    const events = await run({ model: primary, hooks }, 'hi');

    expect(failures).toEqual([expect.any(AgentModelError)]);
    expect(failures[0]).toMatchObject({ retryable: true, status: 529 });
    expect(events.at(-1)).toMatchObject({ text: 'fallback answer' });
  });

  it('reports a timeout to the hook as AgentTimeoutError', async () => {
    const failures: unknown[] = [];
    const hooks: AgentCallHooks = {
      wrapModelCall: async (call, next) => {
        try {
          return await next();
        } catch (error) {
          failures.push(error);
          return next({ ...call.request, model: fakeModel().respond(new AIMessage('quick')) });
        }
      },
    };
    const slow = new LocalChatModel({ tokenDelayMs: 1000 });
    const events = await run({ model: slow, hooks }, 'hi', { timeoutMs: 50 });
    expect(failures).toEqual([expect.any(AgentTimeoutError)]);
    expect(events.at(-1)).toMatchObject({ type: 'final' });
  });

  it('hands every tool call to the hook, which may answer it itself', async () => {
    const seen: ToolCallInfo[] = [];
    const hooks: AgentCallHooks = {
      wrapToolCall: (call) => {
        seen.push(call);
        return Promise.resolve(
          new ToolMessage({ content: '5', tool_call_id: call.toolCallId, name: call.toolName }),
        );
      },
    };
    const events = await run({ hooks }, 'what is 2 + 2');

    expect(seen).toEqual([
      expect.objectContaining({
        toolName: 'calculator',
        toolCallId: expect.stringMatching(/^call_local_/),
        args: { expression: '2 + 2' },
      }),
    ]);
    expect(events.at(-1)).toMatchObject({ text: 'The result is 5.' });
  });

  it("turns a tool hook's rejection (an open breaker) into an error result, and goes on", async () => {
    const hooks: AgentCallHooks = {
      wrapToolCall: () => Promise.reject(new Error('circuit "tools" is open')),
    };
    const events = await run({ hooks }, 'what is 2 + 2');

    expect(events.find((e) => e.type === 'tool_result')).toMatchObject({
      is_error: true,
      result: 'Error: circuit "tools" is open',
    });
    expect(events.at(-1)).toMatchObject({
      type: 'final',
      text: 'The calculator tool failed: Error: circuit "tools" is open',
      finish_reason: 'stop',
    });
  });

  it('passes the tool error itself to the hook, not a wrapper', async () => {
    const errors: unknown[] = [];
    const hooks: AgentCallHooks = {
      wrapToolCall: async (_call, next) => {
        try {
          return await next();
        } catch (error) {
          errors.push(error);
          throw error;
        }
      },
    };
    await run({ hooks }, 'what is 1 / 0');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: 'ExpressionError', message: 'Division by zero' });
  });
});
