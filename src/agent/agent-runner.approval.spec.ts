import { MemorySaver } from '@langchain/langgraph';
import type { AgentEvent, AgentRunResult } from './agent-run.types';
import { AgentRunner } from './agent-runner';

async function collect(
  run: AsyncGenerator<AgentEvent, AgentRunResult, undefined>,
): Promise<{ events: AgentEvent[]; result: AgentRunResult }> {
  const events: AgentEvent[] = [];
  for (;;) {
    const next = await run.next();
    if (next.done) return { events, result: next.value };
    if (next.value.type !== 'final') events.push(next.value);
  }
}

describe('AgentRunner with tools that need approval', () => {
  const runner = () =>
    new AgentRunner(
      { provider: 'local', localTokenDelayMs: 0, approvalTools: ['set_reminder'] },
      { checkpointer: new MemorySaver() },
    );

  it('pauses before the call with one approval_required per pending call', async () => {
    const agent = runner();
    const { events, result } = await collect(
      agent.run({ history: [], message: 'Remind me to water the plants.', threadId: 't1' }),
    );
    expect(events.map((e) => e.type)).toEqual(['tool_call', 'approval_required']);
    const call = events[0] as Extract<AgentEvent, { type: 'tool_call' }>;
    expect(events[1]).toEqual({
      type: 'approval_required',
      tool_call_id: call.tool_call_id,
      tool_name: 'set_reminder',
      args: { text: 'water the plants' },
    });
    expect(result.pending).toEqual([events[1]]);
    expect(result.messages).toEqual([
      expect.objectContaining({
        role: 'assistant',
        tool_calls: [expect.objectContaining({ name: 'set_reminder' })],
      }),
    ]);
  });

  it('runs the call once approved, and the model answers from its result', async () => {
    const agent = runner();
    await collect(agent.run({ history: [], message: 'Remind me to call Sam', threadId: 't2' }));
    const { events, result } = await collect(
      agent.resume({ threadId: 't2', decisions: [{ type: 'approve' }] }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'tool_result',
        is_error: false,
        result: 'Reminder set: "call Sam".',
      }),
    );
    expect(result.pending).toBeUndefined();
    expect(result.text).toBe('Done. Reminder set: "call Sam".');
  });

  it('runs an edited call with the new arguments', async () => {
    const agent = runner();
    await collect(agent.run({ history: [], message: 'Remind me to call Sam', threadId: 't3' }));
    const { events } = await collect(
      agent.resume({ threadId: 't3', decisions: [{ type: 'edit', args: { text: 'call Alex' } }] }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'tool_result', result: 'Reminder set: "call Alex".' }),
    );
  });

  it('turns a rejection into an error result the model reads, and runs nothing', async () => {
    const agent = runner();
    await collect(agent.run({ history: [], message: 'Remind me to call Sam', threadId: 't4' }));
    const { events, result } = await collect(
      agent.resume({ threadId: 't4', decisions: [{ type: 'reject', message: 'Not now.' }] }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'tool_result', is_error: true, result: 'Not now.' }),
    );
    expect(result.text).toBe('The set_reminder tool failed: Not now.');
  });

  it('runs other tools without asking', async () => {
    const { events, result } = await collect(
      runner().run({ history: [], message: 'what is 6 * 7?', threadId: 't5' }),
    );
    expect(events.map((e) => e.type)).toContain('tool_result');
    expect(events.some((e) => e.type === 'approval_required')).toBe(false);
    expect(result.pending).toBeUndefined();
  });
});
