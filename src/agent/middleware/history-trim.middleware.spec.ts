import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { AgentRunner } from '../agent-runner';
import type { AgentHistoryMessage } from '../agent-run.types';
import { countMessagesTokens } from '../tokenizer';
import { trimHistory } from './history-trim.middleware';

const words = (n: number, word = 'lorem') => Array.from({ length: n }, () => word).join(' ');

describe('trimHistory', () => {
  const old = [
    new HumanMessage({ id: '1', content: words(50, 'first') }),
    new AIMessage({ id: '2', content: words(50, 'second') }),
    new HumanMessage({ id: '3', content: 'third' }),
    new AIMessage({
      id: '4',
      content: '',
      tool_calls: [{ id: 'c', name: 'calculator', args: { expression: '1+1' } }],
    }),
    new ToolMessage({ id: '5', content: '2', tool_call_id: 'c', name: 'calculator' }),
    new AIMessage({ id: '6', content: 'It is 2.' }),
  ];
  const turn = [new HumanMessage({ id: '7', content: 'and now?' })];

  it('keeps everything that fits', async () => {
    const all = [...old, ...turn];
    expect(await trimHistory(all, 10_000)).toEqual(all);
  });

  it('drops the oldest messages first and starts on a user message', async () => {
    const budget = countMessagesTokens([...old.slice(2), ...turn]) + 5;
    const kept = await trimHistory([...old, ...turn], budget);
    expect(kept.map((m) => m.id)).toEqual(['3', '4', '5', '6', '7']);
    expect(countMessagesTokens(kept)).toBeLessThanOrEqual(budget);
  });

  it('never starts on a tool result cut from its call', async () => {
    const budget = countMessagesTokens([...old.slice(4), ...turn]);
    const kept = await trimHistory([...old, ...turn], budget);
    expect(kept.map((m) => m.id)).toEqual(['7']);
  });

  it('always keeps the current turn, even over budget', async () => {
    const current = [
      new HumanMessage({ id: 'q', content: words(100) }),
      new AIMessage({
        id: 'a',
        content: '',
        tool_calls: [{ id: 'x', name: 'calculator', args: {} }],
      }),
      new ToolMessage({ id: 't', content: '1', tool_call_id: 'x', name: 'calculator' }),
    ];
    expect((await trimHistory([...old, ...current], 10)).map((m) => m.id)).toEqual(['q', 'a', 't']);
  });

  it('leaves a conversation without earlier messages alone', async () => {
    expect(await trimHistory(turn, 1)).toEqual(turn);
  });
});

describe('history trimming in the agent', () => {
  it('sends the model only the recent history that fits maxHistoryTokens', async () => {
    const model = fakeModel().respond(new AIMessage('ok'));
    const history: AgentHistoryMessage[] = [];
    for (let i = 0; i < 20; i += 1) {
      history.push({ role: 'user', content: `question ${i} ${words(20)}` });
      history.push({ role: 'assistant', content: `answer ${i} ${words(20)}` });
    }
    const runner = new AgentRunner({ maxHistoryTokens: 400, systemPrompt: 'Be brief.' }, { model });

    for await (const _ of runner.run({ history, message: 'latest question' })) {
      // drain
    }

    const sent = model.calls[0].messages;
    expect(sent[0].text).toBe('Be brief.');
    expect(sent.at(-1)?.text).toBe('latest question');
    expect(sent.length).toBeLessThan(history.length);
    expect(sent[1]).toBeInstanceOf(HumanMessage);
    expect(sent[1].text).toMatch(/^question \d+/);
    expect(sent.at(-2)?.text).toMatch(/^answer 19 /);
    expect(countMessagesTokens(sent)).toBeLessThanOrEqual(400);
    expect(countMessagesTokens(sent)).toBeGreaterThan(250);
  });

  it('takes the token count stored with a message instead of counting it again', async () => {
    const model = fakeModel().respond(new AIMessage('ok'));
    const history: AgentHistoryMessage[] = [
      { role: 'user', content: 'short but stored as huge', tokens: 1000 },
      { role: 'assistant', content: 'short too', tokens: 3 },
      { role: 'user', content: 'recent question' },
      { role: 'assistant', content: 'recent answer' },
    ];
    const runner = new AgentRunner({ maxHistoryTokens: 500 }, { model });

    for await (const _ of runner.run({ history, message: 'latest question' })) {
      // drain
    }

    const sent = model.calls[0].messages.slice(1).map((m) => m.text);
    expect(sent).toEqual(['recent question', 'recent answer', 'latest question']);
  });
});

describe('trimHistory over a long conversation', () => {
  it('reads only the newest messages that fit, however long the conversation', async () => {
    const read = new Set<number>();
    const history = Array.from({ length: 10_000 }, (_, i) => {
      const content = i % 2 === 0 ? `question ${i}` : `answer ${i}`;
      const message = i % 2 === 0 ? new HumanMessage(content) : new AIMessage(content);
      Object.defineProperty(message, 'content', {
        enumerable: true,
        get: () => {
          read.add(i);
          return content;
        },
      });
      return message;
    });
    const kept = await trimHistory([...history, new HumanMessage('now')], 200);

    expect(kept.length).toBeGreaterThan(10);
    expect(kept.length).toBeLessThan(40);
    // What fits, and the one message that did not.
    expect(read.size).toBeLessThanOrEqual(kept.length);
  });
});
