import type { StreamEvent } from '../../../src/streaming/stream-event';

/** A contract-shaped event, for tests. */
export interface TestEvent extends StreamEvent {
  readonly [key: string]: unknown;
}

/** A short run as the agent would publish it: chunks, a tool call and result, `complete_state`. */
export function sampleRun(runId = '9b3f7c1e-1d2a-4c3b-8e5f-0a1b2c3d4e5f'): TestEvent[] {
  let seq = 0;
  const next = (type: string, payload: Record<string, unknown>): TestEvent => ({
    type,
    run_id: runId,
    seq: ++seq,
    ...payload,
  });
  return [
    next('message_chunk', { content: 'Hello', tokens: 1 }),
    next('message_chunk', {
      content: ', wörld\nwith a newline and \u2028 and "quotes"',
      tokens: 9,
    }),
    next('tool_call', { tool_name: 'search_knowledge_base', tool_call_id: 't1', args: { q: 'x' } }),
    next('tool_result', {
      tool_name: 'search_knowledge_base',
      tool_call_id: 't1',
      result: [],
      is_error: false,
    }),
    next('message_chunk', { content: ' done.', tokens: 2 }),
    next('complete_state', {
      message: 'Hello, wörld done.',
      message_id: '0d8a6f5e-7b2c-4e1d-9a3f-5c6b7d8e9f01',
      conversation_id: '1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b',
      total_tokens: 12,
      usage: { input_tokens: 30, output_tokens: 12 },
      finish_reason: 'stop',
      degraded: false,
      duration_ms: 42,
    }),
  ];
}

/** A `message_chunk` whose JSON is about `size` bytes, for backpressure tests. */
export function chunkOfSize(seq: number, size: number, runId = 'run-1'): TestEvent {
  return { type: 'message_chunk', run_id: runId, seq, content: 'x'.repeat(size), tokens: 1 };
}
