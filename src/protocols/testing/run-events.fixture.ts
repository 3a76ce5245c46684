import type { RunEvent, RunFinishReason } from '../../runs/run-event.types';

/** Builds one run's events for the mappers' specs, numbered 1, 2, 3… from each `reset()`. */
export function runEventFixture(runId: string) {
  let seq = 0;
  const at = <E extends Omit<RunEvent, 'run_id' | 'seq'>>(event: E) =>
    ({ ...event, run_id: runId, seq: ++seq }) as unknown as RunEvent;
  return {
    reset: () => void (seq = 0),
    chunk: (content: string) => at({ type: 'message_chunk', content, tokens: 1 }),
    toolCall: (id: string, name: string, args: Record<string, unknown> = {}) =>
      at({ type: 'tool_call', tool_call_id: id, tool_name: name, args }),
    toolResult: (id: string, name: string, result: string, isError = false) =>
      at({ type: 'tool_result', tool_call_id: id, tool_name: name, result, is_error: isError }),
    approval: (id: string, name: string, args: Record<string, unknown> = {}) =>
      at({ type: 'approval_required', tool_call_id: id, tool_name: name, args }),
    complete: (finishReason: RunFinishReason = 'stop') =>
      at({
        type: 'complete_state',
        message: 'The result is 84.',
        message_id: 'm-1',
        conversation_id: 'c-1',
        total_tokens: 9,
        usage: { input_tokens: 5, output_tokens: 4, estimated: true },
        finish_reason: finishReason,
        degraded: false,
        duration_ms: 10,
      }),
    error: (code: string, message: string) => at({ type: 'error', code, message, retryable: true }),
  };
}
