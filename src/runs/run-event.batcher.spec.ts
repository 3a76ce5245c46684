import { RunEventBatcher } from './run-event.batcher';
import type { RunEventStore } from './run-event.store';
import type { RunEvent } from './run-event.types';

const chunk = (runId: string, seq: number): RunEvent => ({
  type: 'message_chunk',
  run_id: runId,
  seq,
  content: `w${seq}`,
  tokens: 1,
});

/** A store that records its statements; `appendMany` waits until released. */
function recordingStore(options: { failMany?: boolean; failRun?: string } = {}) {
  const statements: Array<{ kind: 'many' | 'one'; runs: Array<[string, number[]]> }> = [];
  let release: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => (release = resolve));
  const store = {
    appendMany: async (batches: Array<{ runId: string; events: readonly RunEvent[] }>) => {
      statements.push({
        kind: 'many',
        runs: batches.map((b) => [b.runId, b.events.map((e) => e.seq)]),
      });
      await gate;
      if (options.failMany) throw new Error('insert or update on table "run_events" violates FK');
    },
    append: (runId: string, events: readonly RunEvent[]) => {
      statements.push({ kind: 'one', runs: [[runId, events.map((e) => e.seq)]] });
      return runId === options.failRun
        ? Promise.reject(new Error(`run ${runId} is gone`))
        : Promise.resolve();
    },
  };
  return {
    store: store as unknown as RunEventStore,
    statements,
    open: () => {
      release();
      gate = Promise.resolve();
    },
  };
}

describe('RunEventBatcher', () => {
  it('writes what every run emitted during a statement in the next single statement, in order', async () => {
    const { store, statements, open } = recordingStore();
    const batcher = new RunEventBatcher(store);
    const first = batcher.append('a', [chunk('a', 1)]);
    // While the first statement is in flight, three runs emit.
    const later = [
      batcher.append('a', [chunk('a', 2)]),
      batcher.append('b', [chunk('b', 1), chunk('b', 2)]),
      batcher.append('a', [chunk('a', 3)]),
      batcher.append('c', [chunk('c', 1)]),
    ];
    open();
    await Promise.all([first, ...later]);
    expect(statements).toEqual([
      { kind: 'many', runs: [['a', [1]]] },
      {
        kind: 'many',
        runs: [
          ['a', [2, 3]],
          ['b', [1, 2]],
          ['c', [1]],
        ],
      },
    ]);
  });

  it('falls back to one statement per run when the combined one fails: only the bad run fails', async () => {
    const { store, statements, open } = recordingStore({ failMany: true, failRun: 'gone' });
    const batcher = new RunEventBatcher(store);
    const blocker = batcher.append('x', [chunk('x', 1)]);
    const good = batcher.append('ok', [chunk('ok', 1)]);
    const bad = batcher.append('gone', [chunk('gone', 1)]);
    open();
    await expect(blocker).rejects.toThrow(/violates FK/); // alone in its statement: its own error
    await expect(good).resolves.toBeUndefined();
    await expect(bad).rejects.toThrow('run gone is gone');
    expect(statements.filter((s) => s.kind === 'one').map((s) => s.runs[0][0])).toEqual([
      'ok',
      'gone',
    ]);
  });

  it('does nothing for an empty append', async () => {
    const { store, statements } = recordingStore();
    await new RunEventBatcher(store).append('a', []);
    expect(statements).toEqual([]);
  });
});
