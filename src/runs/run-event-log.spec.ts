import type { StreamConfig } from '../config';
import { type RunEnding, RunEventLog, RunStorageError } from './run-event-log';
import type { RunEventStore, StoredRunPage } from './run-event.store';
import type { RunEvent } from './run-event.types';
import type { RunNotificationsService } from './run-notifications.service';

const OWNER = '42';

function databaseDown(): Error {
  return Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
}

function rejected(): Error {
  return Object.assign(new Error('violates foreign key constraint'), { code: '23503' });
}

/** The run_events table in memory, with failures on demand. */
class FakeStore {
  readonly rows = new Map<string, RunEvent[]>();
  readonly closed = new Set<string>();
  readonly ended: RunEvent[] = [];
  readonly statements: Array<Array<{ runId: string; seqs: number[] }>> = [];
  failures: Array<{ error: Error; runId?: string }> = [];

  append(
    owner: string,
    batches: ReadonlyArray<{ runId: string; events: readonly RunEvent[] }>,
  ): Promise<Set<string>> {
    expect(owner).toBe(OWNER);
    this.statements.push(
      batches.map((b) => ({ runId: b.runId, seqs: b.events.map((e) => e.seq) })),
    );
    const failure = this.failures.find(
      (f) => f.runId === undefined || batches.some((b) => b.runId === f.runId),
    );
    if (failure) {
      this.failures.splice(this.failures.indexOf(failure), 1);
      return Promise.reject(failure.error);
    }
    const took = new Set<string>();
    for (const { runId, events } of batches) {
      if (this.closed.has(runId)) continue;
      const stored = this.rows.get(runId) ?? [];
      for (const event of events) if (!stored.some((e) => e.seq === event.seq)) stored.push(event);
      this.rows.set(runId, stored);
      took.add(runId);
    }
    return Promise.resolve(took);
  }

  end(owner: string, terminal: RunEvent): Promise<boolean> {
    expect(owner).toBe(OWNER);
    this.statements.push([{ runId: terminal.run_id, seqs: [terminal.seq] }]);
    const failure = this.failures.find((f) => f.runId === undefined || f.runId === terminal.run_id);
    if (failure) {
      this.failures.splice(this.failures.indexOf(failure), 1);
      return Promise.reject(failure.error);
    }
    if (this.closed.has(terminal.run_id)) return Promise.resolve(false);
    this.ended.push(terminal);
    this.rows.set(terminal.run_id, [...(this.rows.get(terminal.run_id) ?? []), terminal]);
    return Promise.resolve(true);
  }

  readPage(runId: string, afterSeq: number, limit: number): Promise<StoredRunPage> {
    const events = (this.rows.get(runId) ?? []).filter((e) => e.seq > afterSeq).slice(0, limit);
    const over = (this.rows.get(runId) ?? []).some(
      (e) => e.type === 'error' || e.type === 'complete_state',
    );
    return Promise.resolve({ events, running: !over && !this.closed.has(runId) });
  }
}

function makeLog(options: { chunkWindowMs?: number } = {}) {
  const store = new FakeStore();
  const notifications = {
    ownerKey: OWNER,
    onReconnect: () => () => undefined,
    subscribe: () => () => undefined,
  };
  const log = new RunEventLog(
    store as unknown as RunEventStore,
    notifications as unknown as RunNotificationsService,
    { chunkWindowMs: options.chunkWindowMs ?? 0 } as StreamConfig,
  );
  return { log, store, finished: store.ended };
}

const chunk = (content: string) => ({ type: 'message_chunk' as const, content, tokens: 1 });
const done = (): RunEnding => ({
  terminal: {
    type: 'complete_state',
    message: 'done',
    message_id: 'm-1',
    conversation_id: 'c-1',
    total_tokens: 0,
    usage: { input_tokens: 0, output_tokens: 0 },
    finish_reason: 'stop',
    degraded: false,
    duration_ms: 1,
  },
});

async function collect(log: RunEventLog, runId: string, afterSeq = 0): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for await (const event of log.join(runId, afterSeq)) events.push(event);
  return events;
}

describe('RunEventLog', () => {
  it('numbers and stores events, publishes them once stored, and ends with one terminal event', async () => {
    const { log, store, finished } = makeLog();
    log.open('r1', new AbortController());
    const joined = collect(log, 'r1');
    log.append('r1', chunk('Hello '));
    log.append('r1', { type: 'tool_call', tool_name: 't', tool_call_id: 'c', args: {} });
    log.append('r1', chunk('world'));
    const terminal = await log.end('r1', done);
    expect(terminal).toMatchObject({ type: 'complete_state', run_id: 'r1', seq: 4 });
    expect(Object.keys(terminal).slice(0, 3)).toEqual(['type', 'run_id', 'seq']);
    const events = await joined;
    expect(events.map((e) => [e.seq, e.type])).toEqual([
      [1, 'message_chunk'],
      [2, 'tool_call'],
      [3, 'message_chunk'],
      [4, 'complete_state'],
    ]);
    expect(store.rows.get('r1')).toEqual(events);
    expect(finished).toEqual([terminal]);
  });

  it('writes the events of every run together, one statement at a time', async () => {
    const { log, store } = makeLog();
    for (const id of ['a', 'b', 'c']) log.open(id, new AbortController());
    log.append('a', chunk('1'));
    log.append('b', chunk('1'));
    log.append('c', chunk('1'));
    log.append('a', chunk('2'));
    await Promise.all(['a', 'b', 'c'].map((id) => log.end(id, done)));
    // (each end is a statement of its own, after the events)
    // The first statement took what was there; what came meanwhile went together into the next.
    expect(store.statements[0]).toEqual([{ runId: 'a', seqs: [1] }]);
    expect(store.statements[1]).toEqual([
      { runId: 'b', seqs: [1] },
      { runId: 'c', seqs: [1] },
      { runId: 'a', seqs: [2] },
    ]);
  });

  it('retries while the database is away, and publishes nothing before it is stored', async () => {
    const { log, store } = makeLog();
    log.open('r1', new AbortController());
    store.failures.push({ error: databaseDown() }, { error: databaseDown() });
    const seen: RunEvent[] = [];
    const join = log.join('r1');
    const reading = (async () => {
      for await (const event of join) seen.push(event);
    })();
    log.append('r1', chunk('late'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toEqual([]);
    await log.end('r1', done);
    await reading;
    expect(seen.map((e) => e.seq)).toEqual([1, 2]);
    expect(store.statements.length).toBeGreaterThanOrEqual(3);
  });

  it('stops a run whose events are refused, keeps the others, and ends it with storage_unavailable at the first free seq', async () => {
    const { log, store } = makeLog();
    const [good, bad] = [new AbortController(), new AbortController()];
    log.open('good', good);
    log.open('bad', bad);
    log.append('good', chunk('x'));
    await log.end('good', done);
    log.append('bad', chunk('stored'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    store.failures.push({ error: rejected(), runId: 'bad' });
    log.append('bad', chunk('refused'));
    log.append('bad', chunk('never sent'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(bad.signal.aborted).toBe(true);
    expect(bad.signal.reason).toBeInstanceOf(RunStorageError);
    expect(good.signal.aborted).toBe(false);
    const finish = jest.fn(done);
    const terminal = await log.end('bad', finish);
    expect(finish).not.toHaveBeenCalled();
    expect(terminal).toMatchObject({ type: 'error', code: 'storage_unavailable', seq: 2 });
    expect((store.rows.get('bad') ?? []).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('ends with storage_unavailable when the answer cannot be stored', async () => {
    const { log, store } = makeLog();
    log.open('r1', new AbortController());
    store.failures.push({ error: rejected(), runId: 'r1' });
    const terminal = await log.end('r1', done);
    expect(terminal).toMatchObject({ type: 'error', code: 'storage_unavailable', seq: 1 });
    expect(store.rows.get('r1')).toEqual([terminal]);
  });

  it('gives back the end another instance stored when the run was closed meanwhile', async () => {
    const { log, store } = makeLog();
    const abort = new AbortController();
    log.open('r1', abort);
    log.append('r1', chunk('one'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    // Another instance took the run for abandoned and stored its end.
    const abandoned: RunEvent = {
      type: 'error',
      run_id: 'r1',
      seq: 2,
      code: 'run_abandoned',
      message: 'gone',
      retryable: true,
    };
    store.rows.get('r1')!.push(abandoned);
    store.closed.add('r1');
    log.append('r1', chunk('two'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(abort.signal.aborted).toBe(true);
    expect(await log.end('r1', done)).toEqual(abandoned);
  });

  it('merges chunks of text within STREAM_CHUNK_WINDOW_MS into one event, not other events', async () => {
    const { log } = makeLog({ chunkWindowMs: 40 });
    log.open('r1', new AbortController());
    const joined = collect(log, 'r1');
    log.append('r1', chunk('a'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (const word of ['b', 'c', 'd']) log.append('r1', chunk(word));
    await new Promise((resolve) => setTimeout(resolve, 80));
    log.append('r1', chunk('e'));
    log.append('r1', { type: 'tool_call', tool_name: 't', tool_call_id: 'c', args: {} });
    log.append('r1', chunk('f'));
    await log.end('r1', done);
    const events = await joined;
    expect(events.map((e) => (e.type === 'message_chunk' ? e.content : e.type))).toEqual([
      'a',
      'bcd',
      'e',
      'tool_call',
      'f',
      'complete_state',
    ]);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events[1]).toMatchObject({ tokens: 3 });
  });

  it('stores what PostgreSQL cannot hold as U+FFFD', async () => {
    const { log, store } = makeLog();
    log.open('r1', new AbortController());
    log.append('r1', chunk('a \ud800 b \u0000 c'));
    await log.end('r1', done);
    expect(store.rows.get('r1')?.[0]).toMatchObject({ content: 'a \ufffd b \ufffd c' });
  });
});
