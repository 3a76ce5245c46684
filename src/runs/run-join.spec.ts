import type { RunEvent } from './run-event.types';
import type { StoredRunPage } from './run-event.store';
import { RunJoin } from './run-join';

const RUN = 'run-1';

function chunk(seq: number): RunEvent {
  return { type: 'message_chunk', run_id: RUN, seq, content: `w${seq} `, tokens: 1 };
}

function terminal(seq: number): RunEvent {
  return { type: 'error', run_id: RUN, seq, code: 'x', message: 'over', retryable: false };
}

/** Storage holding a run's events, and whether it still runs; counts reads. */
class FakeStorage {
  events: RunEvent[] = [];
  running = true;
  reads = 0;
  failNext = false;

  readPage(_runId: string, afterSeq: number, limit: number): Promise<StoredRunPage> {
    this.reads += 1;
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('connection lost'));
    }
    const events = this.events.filter((e) => e.seq > afterSeq).slice(0, limit);
    return Promise.resolve({ events, running: this.running });
  }
}

async function take(join: RunJoin, count: number): Promise<Array<[number, boolean]>> {
  const taken: Array<[number, boolean]> = [];
  for (let i = 0; i < count; i++) {
    const next = await join.next();
    if (next.done) break;
    taken.push([next.value.seq, join.replaying]);
  }
  return taken;
}

describe('RunJoin', () => {
  it('replays what is stored, then takes live events in order, and ends after the terminal event', async () => {
    const storage = new FakeStorage();
    storage.events = [chunk(1), chunk(2), chunk(3)];
    let closed = 0;
    const join = new RunJoin(RUN, 1, 3, true, storage, () => (closed += 1));
    expect(await take(join, 2)).toEqual([
      [2, true],
      [3, true],
    ]);
    const waiting = join.next();
    join.pushed([chunk(4), chunk(5)]);
    expect((await waiting).value).toEqual(chunk(4));
    expect(join.replaying).toBe(false);
    join.pushed([chunk(5), terminal(6)]); // 5 again: taken once
    expect(await take(join, 5)).toEqual([
      [5, false],
      [6, false],
    ]);
    expect((await join.next()).done).toBe(true);
    expect(closed).toBe(1);
    expect(storage.reads).toBe(1);
  });

  it('fills a gap between what it holds and what it is given from storage', async () => {
    const storage = new FakeStorage();
    const join = new RunJoin(RUN, 0, 0, true, storage, () => undefined);
    const first = join.next();
    await new Promise((resolve) => setImmediate(resolve));
    storage.events = [chunk(1), chunk(2), chunk(3)];
    join.pushed([chunk(3)]); // 1 and 2 went by while nobody was listening
    expect((await first).value).toEqual(chunk(1));
    expect(await take(join, 2)).toEqual([
      [2, false],
      [3, false],
    ]);
  });

  it('reads again when woken for a seq it does not have, and not for one it has', async () => {
    const storage = new FakeStorage();
    storage.events = [chunk(1)];
    const join = new RunJoin(RUN, 0, Number.MAX_SAFE_INTEGER, true, storage, () => undefined);
    expect(await take(join, 1)).toEqual([[1, true]]);
    const reads = storage.reads;
    join.wake(1);
    const next = join.next();
    await new Promise((resolve) => setImmediate(resolve));
    expect(storage.reads).toBe(reads); // it has seq 1: nothing to read
    storage.events.push(chunk(2), terminal(3));
    join.wake(3);
    expect((await next).value).toEqual(chunk(2));
    expect((await join.next()).value).toEqual(terminal(3));
    expect((await join.next()).done).toBe(true);
  });

  it('drops live events a slow reader has not taken past its bound, and reads them back', async () => {
    const storage = new FakeStorage();
    const join = new RunJoin(RUN, 0, 0, true, storage, () => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    const all = Array.from({ length: 600 }, (_, i) => chunk(i + 1));
    storage.events = all;
    for (const event of all) join.pushed([event]);
    const seqs = (await take(join, 600)).map(([seq]) => seq);
    expect(seqs).toEqual(all.map((e) => e.seq));
  });

  it('ends when the run is over and nothing is left after its position', async () => {
    const storage = new FakeStorage();
    storage.events = [chunk(1), terminal(2)];
    storage.running = false;
    const join = new RunJoin(RUN, 2, 2, true, storage, () => undefined);
    expect((await join.next()).done).toBe(true);
  });

  it('tries storage again after a failure, and stops at once when the reader leaves', async () => {
    jest.useFakeTimers();
    try {
      const storage = new FakeStorage();
      storage.events = [chunk(1)];
      storage.failNext = true;
      const join = new RunJoin(RUN, 0, 1, true, storage, () => undefined);
      const next = join.next();
      await jest.advanceTimersByTimeAsync(1000);
      expect((await next).value).toEqual(chunk(1));
      const waiting = join.next();
      await join.return();
      expect((await waiting).done).toBe(true);
      join.pushed([chunk(2)]);
      expect((await join.next()).done).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});
