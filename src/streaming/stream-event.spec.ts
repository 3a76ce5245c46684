import { formatEventId, isTerminalEvent, parseEventId, TERMINAL_EVENT_TYPES } from './stream-event';

describe('stream events', () => {
  it('treats complete_state and error as terminal, and nothing else', () => {
    for (const type of TERMINAL_EVENT_TYPES) {
      expect(isTerminalEvent({ type, run_id: 'r', seq: 1 })).toBe(true);
    }
    for (const type of ['message_chunk', 'tool_call', 'tool_result', 'heartbeat']) {
      expect(isTerminalEvent({ type, run_id: 'r', seq: 1 })).toBe(false);
    }
  });

  it('formats and parses <run_id>:<seq>', () => {
    const id = formatEventId({ type: 'message_chunk', run_id: 'a-b', seq: 42 });
    expect(id).toBe('a-b:42');
    expect(parseEventId(id)).toEqual({ runId: 'a-b', seq: 42 });
    expect(parseEventId(' x:y:3 ')).toEqual({ runId: 'x:y', seq: 3 });
    expect(parseEventId('r:2147483647')).toEqual({ runId: 'r', seq: 2147483647 });
  });

  it.each([
    undefined,
    '',
    'abc',
    ':5',
    ' :5',
    'run:',
    'run:-1',
    'run:1.5',
    'run:1e3',
    'run:99999999999999999',
    'run:2147483648',
    'run:99999999999',
  ])('rejects %p', (value) => {
    expect(parseEventId(value)).toBeUndefined();
  });
});
