import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { fakeModel } from '@langchain/core/testing';
import { AgentRunner } from '../agent-runner';
import { AgentTimeoutError } from '../agent.errors';
import { countMessagesTokens, countTokens } from '../tokenizer';

/** A provider that never answers and ignores its signal: the worst case for a timeout. */
class HangingModel extends BaseChatModel {
  readonly signals: AbortSignal[] = [];

  constructor() {
    super({});
  }

  _llmType(): string {
    return 'hanging';
  }

  override bindTools(): this {
    return this;
  }

  _generate(
    _messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    _runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    if (options.signal) this.signals.push(options.signal);
    return new Promise(() => undefined);
  }
}

async function drain(runner: AgentRunner, message: string) {
  const iterator = runner.run({ history: [], message });
  for (;;) {
    const next = await iterator.next();
    if (next.done) return next.value;
  }
}

describe('modelCallGuardMiddleware', () => {
  beforeAll(async () => {
    // The first run loads the tokenizer and LangChain's modules: keep it out of the timings.
    await drain(new AgentRunner({ localTokenDelayMs: 0 }), 'warm up');
  });

  it('abandons a call that ignores its signal at the deadline, with AgentTimeoutError', async () => {
    const model = new HangingModel();
    const runner = new AgentRunner({ timeoutMs: 100 }, { model });
    const started = performance.now();

    await expect(drain(runner, 'hi')).rejects.toBeInstanceOf(AgentTimeoutError);

    expect(performance.now() - started).toBeLessThan(600);
    // The call had its own signal, combined with the run's, and it fired at the deadline.
    expect(model.signals).toHaveLength(1);
    expect(model.signals[0].aborted).toBe(true);
  });

  it('estimates the usage of a response that reports none, from what was sent', async () => {
    const model = fakeModel().respond(new AIMessage('Sure, here it is.'));
    const result = await drain(new AgentRunner({ systemPrompt: 'Be kind.' }, { model }), 'please');

    const sent = model.calls[0].messages;
    expect(result.usage).toEqual({
      input_tokens: countMessagesTokens(sent),
      output_tokens: countTokens('Sure, here it is.'),
      estimated: true,
    });
  });

  it('keeps the usage the provider reported', async () => {
    const usage = { input_tokens: 321, output_tokens: 12, total_tokens: 333 };
    const model = fakeModel().respond(new AIMessage({ content: 'ok', usage_metadata: usage }));
    const result = await drain(new AgentRunner({}, { model }), 'please');
    expect(result.usage).toEqual({ input_tokens: 321, output_tokens: 12, estimated: false });
  });
});
