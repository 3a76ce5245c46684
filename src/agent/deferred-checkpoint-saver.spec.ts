import { MemorySaver } from '@langchain/langgraph';
import type { RunnableConfig } from '@langchain/core/runnables';
import type { AgentEvent, AgentRunResult } from './agent-run.types';
import { AgentRunner } from './agent-runner';

async function collect(
  run: AsyncGenerator<AgentEvent, AgentRunResult, undefined>,
): Promise<AgentRunResult> {
  for (;;) {
    const next = await run.next();
    if (next.done) return next.value;
  }
}

/** A MemorySaver that counts what reaches it: the "database" of these tests. */
class CountingSaver extends MemorySaver {
  calls = { getTuple: 0, put: 0, putWrites: 0, deleteThread: 0 };

  override getTuple(config: RunnableConfig) {
    this.calls.getTuple += 1;
    return super.getTuple(config);
  }
  override put(...args: Parameters<MemorySaver['put']>) {
    this.calls.put += 1;
    return super.put(...args);
  }
  override putWrites(...args: Parameters<MemorySaver['putWrites']>) {
    this.calls.putWrites += 1;
    return super.putWrites(...args);
  }
  override deleteThread(threadId: string) {
    this.calls.deleteThread += 1;
    return super.deleteThread(threadId);
  }
  threads(): string[] {
    return Object.keys(this.storage);
  }
}

describe('AgentRunner keeps a run’s checkpoints only when it pauses (DeferredCheckpointSaver)', () => {
  const runner = (durable: CountingSaver) =>
    new AgentRunner(
      { provider: 'local', localTokenDelayMs: 0, approvalTools: ['set_reminder'] },
      { checkpointer: durable },
    );

  it('stores nothing, reads nothing and deletes nothing for a run that does not pause', async () => {
    const durable = new CountingSaver();
    const agent = runner(durable);
    const result = await collect(
      agent.run({ history: [], message: 'what is 2 + 3?', threadId: 'plain' }),
    );
    expect(result.text).toContain('5');
    await agent.forget('plain');
    expect(durable.calls).toEqual({ getTuple: 0, put: 0, putWrites: 0, deleteThread: 0 });
  });

  it('stores a paused run, which another runner on the same storage resumes, then forgets', async () => {
    const durable = new CountingSaver();
    const paused = await collect(
      runner(durable).run({ history: [], message: 'Remind me to call Sam', threadId: 'held' }),
    );
    expect(paused.pending).toHaveLength(1);
    expect(durable.threads()).toEqual(['held']);
    expect(durable.calls.put).toBeGreaterThan(0);

    // Another process: nothing of the run in its memory, all of it in the storage.
    const other = runner(durable);
    const resumed = await collect(
      other.resume({ threadId: 'held', decisions: [{ type: 'approve' }] }),
    );
    expect(resumed.text).toBe('Done. Reminder set: "call Sam".');
    const puts = durable.calls.put;
    await other.forget('held');
    expect(durable.calls.deleteThread).toBe(1);
    expect(durable.threads()).toEqual([]);
    // The resumed run ended without pausing again: its own last steps were not stored.
    expect(durable.calls.put).toBe(puts);
  });
});
