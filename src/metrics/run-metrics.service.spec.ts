import { runOutcomeOf, type TerminalEventFigures } from './run-metrics.service';

/** A `complete_state` with the given finish reason. */
function answered(finishReason: string, degraded = false): TerminalEventFigures {
  const usage = { input_tokens: 1, output_tokens: 2 };
  return { type: 'complete_state', finish_reason: finishReason, degraded, usage };
}

describe('runOutcomeOf', () => {
  it.each<[TerminalEventFigures, string, string]>([
    [answered('stop'), 'completed', 'stop'],
    [answered('length'), 'completed', 'length'],
    [answered('timeout'), 'completed', 'timeout'],
    [answered('cancelled'), 'cancelled', 'cancelled'],
    [answered('stop', true), 'degraded', 'stop'],
    [{ type: 'error', code: 'llm_unavailable' }, 'failed', 'llm_unavailable'],
  ])('counts %j as %s (%s)', (event, outcome, reason) => {
    expect(runOutcomeOf(event)).toEqual({ outcome, reason });
  });

  // Failed runs are told apart by the code of their error event (those a run's executor ends
  // with): each is its own reason.
  it.each(['llm_timeout', 'llm_error', 'server_shutdown', 'storage_unavailable', 'internal_error'])(
    'counts an error event with code %s as failed under that code',
    (code) => {
      expect(runOutcomeOf({ type: 'error', code })).toEqual({ outcome: 'failed', reason: code });
    },
  );
});
