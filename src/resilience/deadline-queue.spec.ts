import { MAX_TIMER_DELAY_MS } from './breaker-settings';
import type { Clock } from './clock';
import { DeadlineEntry, DeadlineQueue } from './deadline-queue';
import { ManualClock } from '../../test/support/manual-clock';

class Entry extends DeadlineEntry {
  constructor(readonly label: string) {
    super();
  }
}

describe('DeadlineQueue', () => {
  let clock: ManualClock;
  let expired: string[];
  let queue: DeadlineQueue<Entry>;

  beforeEach(() => {
    clock = new ManualClock();
    expired = [];
    queue = new DeadlineQueue<Entry>(clock, (entry) => expired.push(entry.label));
  });

  it('expires entries at their deadlines, in order, with one timer while they arrive in order', () => {
    queue.add(new Entry('a'), 100);
    queue.add(new Entry('b'), 150);
    queue.add(new Entry('c'), 150);

    clock.advance(99);
    expect(expired).toEqual([]);
    clock.advance(1);
    expect(expired).toEqual(['a']);
    clock.advance(50);
    expect(expired).toEqual(['a', 'b', 'c']);
    expect(queue.isEmpty).toBe(true);
    // One for the first deadline, one re-armed for the second.
    expect(clock.timersSet).toBe(2);
  });

  it('never expires a removed entry, and tolerates removing it twice', () => {
    const a = new Entry('a');
    const b = new Entry('b');
    const c = new Entry('c');
    queue.add(a, 100);
    queue.add(b, 200);
    queue.add(c, 300);

    queue.remove(b);
    queue.remove(b);
    queue.remove(a);
    queue.remove(c);
    clock.advance(1_000);

    expect(expired).toEqual([]);
    expect(queue.isEmpty).toBe(true);
  });

  it('re-arms for the next head when the first timer fires after its entry left early', () => {
    const a = new Entry('a');
    queue.add(a, 100);
    queue.add(new Entry('b'), 180);
    queue.remove(a);

    clock.advance(100);
    expect(expired).toEqual([]);
    clock.advance(80);
    expect(expired).toEqual(['b']);
  });

  it('inserts an out-of-order deadline in order and arms an earlier timer for it', () => {
    queue.add(new Entry('late'), 500);
    queue.add(new Entry('middle'), 300);
    queue.add(new Entry('early'), 100);

    clock.advance(100);
    expect(expired).toEqual(['early']);
    clock.advance(400);
    expect(expired).toEqual(['early', 'middle', 'late']);
  });

  it('accepts an entry queued while expiring another', () => {
    const chained = new DeadlineQueue<Entry>(clock, (entry) => {
      expired.push(entry.label);
      if (entry.label === 'first') {
        chained.add(new Entry('second'), clock.now() + 50);
      }
    });
    chained.add(new Entry('first'), 100);

    clock.advance(100);
    expect(expired).toEqual(['first']);
    clock.advance(50);
    expect(expired).toEqual(['first', 'second']);
  });

  it('re-arms when a timer fires a little before the deadline', () => {
    const timers: { callback: () => void; delay: number }[] = [];
    let now = 0;
    const earlyClock: Clock = {
      now: () => now,
      wallNow: () => now,
      setTimer: (callback, delay) => timers.push({ callback, delay }),
    };
    const early = new DeadlineQueue<Entry>(earlyClock, (entry) => expired.push(entry.label));
    early.add(new Entry('a'), 100);

    now = 99.6;
    timers[0].callback();
    expect(expired).toEqual([]);
    expect(timers[1].delay).toBeCloseTo(0.4);

    now = 100;
    timers[1].callback();
    expect(expired).toEqual(['a']);
  });

  it('caps the timer delay at what setTimeout accepts', () => {
    const delays: number[] = [];
    const recording: Clock = {
      now: () => 0,
      wallNow: () => 0,
      setTimer: (_callback, delay) => delays.push(delay),
    };
    new DeadlineQueue<Entry>(recording, () => undefined).add(new Entry('far'), 1e12);

    expect(delays).toEqual([MAX_TIMER_DELAY_MS]);
  });
});
