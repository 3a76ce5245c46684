import { TransitionHistory, type StateTransition } from './transition-history';

const transition = (at: number): StateTransition => ({
  from: 'CLOSED',
  to: 'OPEN',
  at,
  reason: `#${at}`,
});

describe('TransitionHistory', () => {
  it('keeps the newest entries up to its limit, oldest first', () => {
    const history = new TransitionHistory(2);
    [1, 2, 3].forEach((at) => history.record(transition(at)));

    expect(history.toArray().map((t) => t.at)).toEqual([2, 3]);
  });

  it('hands out a copy', () => {
    const history = new TransitionHistory(5);
    history.record(transition(1));
    history.toArray().pop();

    expect(history.toArray()).toHaveLength(1);
  });

  it.each([0, 2.5, Number.NaN])('refuses a limit of %p', (limit) => {
    expect(() => new TransitionHistory(limit)).toThrow(RangeError);
  });
});
