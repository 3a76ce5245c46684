import {
  AgentCancelledError,
  AgentModelError,
  AgentTimeoutError,
  type AgentRunPartial,
} from '../agent';
import { CircuitOpenError } from '../resilience';
import { classifyRunFailure } from './run-outcome';
import { classifyLlmError } from './llm-error.classifier';

const partial = (text: string): AgentRunPartial => ({
  text,
  messages: [],
  usage: { input_tokens: 1, output_tokens: 1, estimated: true },
});
const withPartial = <E extends { partial?: AgentRunPartial }>(error: E, text: string): E =>
  Object.assign(error, { partial: partial(text) });

describe('classifyRunFailure', () => {
  it('ends a cancelled run with its partial answer', () => {
    const outcome = classifyRunFailure(withPartial(new AgentCancelledError(), 'half'), 'user');
    expect(outcome).toMatchObject({
      kind: 'partial',
      finishReason: 'cancelled',
      partial: { text: 'half' },
    });
  });

  it('ends a run stopped by shutdown with a retryable server_shutdown error', () => {
    const outcome = classifyRunFailure(new AgentCancelledError(), 'server_shutdown');
    expect(outcome).toMatchObject({ kind: 'error', code: 'server_shutdown', retryable: true });
  });

  it('keeps the text of a timed-out answer, and reports a timeout with no text as an error', () => {
    expect(classifyRunFailure(withPartial(new AgentTimeoutError(1000), 'some'))).toMatchObject({
      kind: 'partial',
      finishReason: 'timeout',
    });
    expect(classifyRunFailure(withPartial(new AgentTimeoutError(1000), ''))).toMatchObject({
      kind: 'error',
      code: 'llm_timeout',
      retryable: true,
    });
  });

  it('reports an open circuit anywhere in the cause chain as llm_unavailable with its wait', () => {
    const open = new CircuitOpenError('llm', 4200, 'open');
    const error = new AgentModelError('wrapped', { retryable: true, cause: open });
    expect(classifyRunFailure(error)).toMatchObject({
      kind: 'error',
      code: 'llm_unavailable',
      retryAfterMs: 4200,
    });
  });

  it('passes on whether a model error is retryable, and hides unknown errors', () => {
    expect(
      classifyRunFailure(new AgentModelError('bad request', { retryable: false, status: 400 })),
    ).toMatchObject({ kind: 'error', code: 'llm_error', retryable: false });
    expect(classifyRunFailure(new Error('secret internals'))).toMatchObject({
      kind: 'error',
      code: 'internal_error',
      message: 'The run failed unexpectedly.',
    });
  });
});

describe('classifyLlmError', () => {
  it('ignores cancels, calls timeouts timeouts, and judges provider errors by status', () => {
    expect(classifyLlmError(new AgentCancelledError())).toBe('ignored');
    expect(classifyLlmError(new AgentTimeoutError(5))).toBe('timeout');
    expect(classifyLlmError(new AgentModelError('x', { retryable: true, status: 503 }))).toBe(
      'failure',
    );
    expect(classifyLlmError(new AgentModelError('x', { retryable: false, status: 404 }))).toBe(
      'ignored',
    );
  });
});
