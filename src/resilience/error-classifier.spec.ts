import { BadRequestException, ServiceUnavailableException } from '@nestjs/common';
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIUserAbortError,
  InternalServerError,
  RateLimitError,
  BadRequestError,
} from 'openai';
import { CallTimeoutError } from './call-timeout.error';
import { CircuitOpenError } from './circuit-open.error';
import { classifyError, type ErrorVerdict } from './error-classifier';

const named = (name: string, extra: Record<string, unknown> = {}): Error =>
  Object.assign(new Error(name), { name, ...extra });
const withCode = (code: string): Error => Object.assign(new Error(code), { code });

describe('classifyError', () => {
  const cases: [string, unknown, ErrorVerdict][] = [
    ['the breaker’s own CallTimeoutError', new CallTimeoutError('llm', 10), 'timeout'],
    ['a nested breaker refusing', new CircuitOpenError('database', 1_000, 'open'), 'ignored'],
    ['HTTP 500 on status', Object.assign(new Error(), { status: 500 }), 'failure'],
    ['HTTP 503 on statusCode', Object.assign(new Error(), { statusCode: 503 }), 'failure'],
    [
      'HTTP 502 on response.status',
      Object.assign(new Error(), { response: { status: 502 } }),
      'failure',
    ],
    ['HTTP 429', Object.assign(new Error(), { status: 429 }), 'failure'],
    ['HTTP 400', Object.assign(new Error(), { status: 400 }), 'ignored'],
    [
      'HTTP 404 on response.status',
      Object.assign(new Error(), { response: { status: 404 } }),
      'ignored',
    ],
    ['HTTP 422 from a plain object', { status: 422 }, 'ignored'],
    ['Nest BadRequestException', new BadRequestException('nope'), 'ignored'],
    ['Nest ServiceUnavailableException', new ServiceUnavailableException(), 'failure'],
    [
      'an HTTP status outside 400-599 then a network code',
      Object.assign(new Error(), { status: 302, code: 'ECONNRESET' }),
      'failure',
    ],
    ['ECONNREFUSED', withCode('ECONNREFUSED'), 'failure'],
    ['ECONNRESET', withCode('ECONNRESET'), 'failure'],
    ['ENOTFOUND', withCode('ENOTFOUND'), 'failure'],
    ['EPIPE (not mistaken for a SQLSTATE)', withCode('EPIPE'), 'failure'],
    ['ETIMEDOUT', withCode('ETIMEDOUT'), 'timeout'],
    ['undici headers timeout', withCode('UND_ERR_HEADERS_TIMEOUT'), 'timeout'],
    [
      'fetch failed with the cause inside',
      new TypeError('fetch failed', { cause: withCode('ECONNREFUSED') }),
      'failure',
    ],
    ['fetch failed without a cause', new TypeError('fetch failed'), 'failure'],
    [
      'a wrapped cause a few levels down',
      new Error('outer', { cause: new Error('mid', { cause: withCode('ECONNRESET') }) }),
      'failure',
    ],
    ['LangChain TimeoutError', named('TimeoutError'), 'timeout'],
    [
      'AbortSignal.timeout() DOMException',
      new DOMException('timed out', 'TimeoutError'),
      'timeout',
    ],
    ['AbortError (a cancellation)', named('AbortError'), 'ignored'],
    ['FetchError', named('FetchError'), 'failure'],
    ['ZodError', named('ZodError'), 'ignored'],
    ['ValidationError', named('ValidationError'), 'ignored'],
    ['OutputParserException', named('OutputParserException'), 'ignored'],
    [
      'ContextOverflowError wrapping a 400',
      named('ContextOverflowError', { cause: Object.assign(new Error(), { status: 400 }) }),
      'ignored',
    ],
    ['Postgres connection failure 08006', withCode('08006'), 'failure'],
    ['Postgres too many connections 53300', withCode('53300'), 'failure'],
    ['Postgres admin shutdown 57P01', withCode('57P01'), 'failure'],
    ['Postgres statement timeout 57014', withCode('57014'), 'timeout'],
    ['Postgres unique violation 23505', withCode('23505'), 'ignored'],
    ['Postgres serialization failure 40001', withCode('40001'), 'ignored'],
    [
      'an OpenAI body code is not a network code',
      Object.assign(new Error(), { code: 'invalid_api_key' }),
      'failure',
    ],
    ['an unknown error', new Error('something odd'), 'failure'],
    ['a thrown string', 'boom', 'failure'],
    ['null', null, 'failure'],
    [
      'an endless cause chain',
      (() => {
        const e: Error & { cause?: unknown } = new Error('loop');
        e.cause = e;
        return e;
      })(),
      'failure',
    ],
  ];

  it.each(cases)('classifies %s', (_label, error, verdict) => {
    expect(classifyError(error)).toBe(verdict);
  });

  describe('OpenAI SDK errors, which set no `name`', () => {
    const headers = new Headers();
    it.each<[string, unknown, ErrorVerdict]>([
      ['APIConnectionError', new APIConnectionError({ message: 'down' }), 'failure'],
      ['APIConnectionTimeoutError', new APIConnectionTimeoutError(), 'timeout'],
      ['APIUserAbortError', new APIUserAbortError(), 'ignored'],
      ['InternalServerError', new InternalServerError(500, undefined, 'x', headers), 'failure'],
      ['RateLimitError', new RateLimitError(429, undefined, 'x', headers), 'failure'],
      ['BadRequestError', new BadRequestError(400, undefined, 'x', headers), 'ignored'],
    ])('classifies %s', (_label, error, verdict) => {
      expect(classifyError(error)).toBe(verdict);
    });
  });

  it('survives a getStatus() that throws', () => {
    const error = Object.assign(new Error(), {
      getStatus: () => {
        throw new Error('bad getter');
      },
    });

    expect(classifyError(error)).toBe('failure');
  });

  it('reads a status exposed only through getStatus(), as HttpException allows', () => {
    class StatusOnlyByGetter extends Error {
      getStatus(): number {
        return 418;
      }
    }

    expect(classifyError(new StatusOnlyByGetter())).toBe('ignored');
  });
});
