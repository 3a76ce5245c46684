import { HumanMessage } from '@langchain/core/messages';
import { RunnableBinding } from '@langchain/core/runnables';
import type { ModelRequest } from 'langchain';
import { LocalChatModel } from '../models/local-chat-model';
import { withCallSignal } from './model-call-signal';

describe('withCallSignal', () => {
  it('binds the signal to a chat model, and the model receives it with the caller’s', async () => {
    const model = new LocalChatModel({ tokenDelayMs: 10_000 });
    const call = new AbortController();
    const run = new AbortController();
    const bound = withCallSignal(model, call.signal);

    expect(RunnableBinding.isRunnableBinding(bound)).toBe(true);
    const invocation = (bound as LocalChatModel).invoke([new HumanMessage('hi')], {
      signal: run.signal,
    });
    call.abort(new Error('call deadline'));
    await expect(invocation).rejects.toThrow('call deadline');
  });

  it('adds the signal to a binding that already has one, keeping both', () => {
    const earlier = new AbortController();
    const call = new AbortController();
    const binding = new LocalChatModel().withConfig({ signal: earlier.signal, tags: ['x'] });
    const bound = withCallSignal(binding as ModelRequest['model'], call.signal) as RunnableBinding<
      unknown,
      unknown
    >;

    expect(bound.bound).toBe((binding as RunnableBinding<unknown, unknown>).bound);
    expect(bound.config.tags).toEqual(['x']);
    expect(bound.config.signal?.aborted).toBe(false);
    call.abort();
    expect(bound.config.signal?.aborted).toBe(true);
  });

  it('leaves a model it cannot bind alone', () => {
    const signal = new AbortController().signal;
    const configurable = { invoke: () => undefined } as unknown as ModelRequest['model'];
    expect(withCallSignal(configurable, signal)).toBe(configurable);
  });
});
