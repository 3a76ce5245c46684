import { stampRetryable } from '@langchain/core/errors';
import { MiddlewareError } from 'langchain';
import { AgentCancelledError, AgentModelError, AgentTimeoutError } from './agent.errors';
import { findErrorNamed, toAgentModelError, unwrapMiddlewareError } from './model-error.classifier';

function httpError(status: number, message = `HTTP ${status}`) {
  return Object.assign(new Error(message), { status });
}

describe('toAgentModelError', () => {
  it.each([
    [500, true],
    [502, true],
    [503, true],
    [429, true],
    [408, true],
    [409, true],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [422, false],
  ])('classifies HTTP %i as retryable=%s', (status, retryable) => {
    const error = toAgentModelError(httpError(status), 1000);
    expect(error).toBeInstanceOf(AgentModelError);
    expect(error).toMatchObject({ retryable, status, message: `HTTP ${status}` });
  });

  it('reads the Ollama client status_code', () => {
    const error = Object.assign(new Error('model not found'), { status_code: 404 });
    expect(toAgentModelError(error, 1000)).toMatchObject({ retryable: false, status: 404 });
  });

  it("prefers the provider package's own retryable stamp", () => {
    const stamped = stampRetryable(httpError(400), true);
    expect(toAgentModelError(stamped, 1000).retryable).toBe(true);
  });

  it.each([
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
    new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) }),
    new TypeError('terminated'),
    Object.assign(new Error('Connection error.'), { name: 'APIConnectionError' }),
  ])('treats the network error "%s" as retryable', (error) => {
    expect(toAgentModelError(error, 1000)).toMatchObject({ retryable: true, status: undefined });
  });

  it('treats an unknown failure as not retryable', () => {
    expect(toAgentModelError(new Error('bad response'), 1000).retryable).toBe(false);
    expect(toAgentModelError('a string', 1000)).toMatchObject({ message: 'a string' });
    expect(toAgentModelError(Object.assign(new Error('x'), { status: 999 }), 1).retryable).toBe(
      false,
    );
  });

  it("reports the SDK's own timeout as a timeout of the call budget", () => {
    const sdkTimeout = Object.assign(new Error('Request timed out.'), { name: 'TimeoutError' });
    const error = toAgentModelError(sdkTimeout, 2500);
    expect(error).toBeInstanceOf(AgentTimeoutError);
    expect(error).toMatchObject({ timeoutMs: 2500, retryable: true, cause: sdkTimeout });
  });

  it('passes agent errors through, also from inside MiddlewareError wrappers', () => {
    const timeout = new AgentTimeoutError(10);
    const wrapped = MiddlewareError.wrap(MiddlewareError.wrap(timeout, 'inner'), 'outer');
    expect(toAgentModelError(wrapped, 1)).toBe(timeout);
    const cancelled = new AgentCancelledError();
    expect(toAgentModelError(cancelled, 1)).toBe(cancelled);
  });

  it('keeps the provider error as the cause', () => {
    const cause = httpError(503);
    expect(toAgentModelError(cause, 1).cause).toBe(cause);
  });
});

describe('unwrapMiddlewareError and findErrorNamed', () => {
  it('digs the original error out of the layers', () => {
    const original = new RangeError('x');
    expect(unwrapMiddlewareError(MiddlewareError.wrap(original, 'a'))).toBe(original);
    expect(unwrapMiddlewareError(original)).toBe(original);
  });

  it('finds a named error in the cause chain', () => {
    const limit = Object.assign(new Error('limit'), { name: 'ModelCallLimitMiddlewareError' });
    const chain = new Error('outer', { cause: new Error('middle', { cause: limit }) });
    expect(findErrorNamed(chain, 'ModelCallLimitMiddlewareError')).toBe(limit);
    expect(findErrorNamed(chain, 'GraphRecursionError')).toBeUndefined();
    expect(findErrorNamed('not an error', 'Error')).toBeUndefined();
  });
});
