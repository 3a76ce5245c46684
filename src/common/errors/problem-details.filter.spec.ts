import {
  BadRequestException,
  HttpException,
  NotFoundException,
  ServiceUnavailableException,
  type ArgumentsHost,
} from '@nestjs/common';
import { DomainException, ErrorCode } from './domain.exception';
import { HttpErrorDescribers } from './http-error-describers';
import { ProblemDetailsFilter } from './problem-details.filter';

/** Stands for a dependency's driver errors (the database registers its own in the app). */
const driverDown = (error: unknown) =>
  (error as { code?: unknown } | null)?.code === 'ECONNREFUSED'
    ? {
        status: 503,
        code: 'database_unavailable',
        detail: 'Unavailable.',
        headers: { 'Retry-After': '5' },
      }
    : undefined;

function filterWithDescribers(): ProblemDetailsFilter {
  const describers = new HttpErrorDescribers();
  describers.register(() => undefined);
  describers.register(driverDown);
  return new ProblemDetailsFilter(describers);
}

function fakeHost(headersSent = false, log?: { error: jest.Mock; warn: jest.Mock }) {
  const response = {
    headersSent,
    writableEnded: false,
    statusCode: 0,
    headers: {} as Record<string, string>,
    body: '',
    contentType: '',
    ended: false,
    setHeader(name: string, value: string) {
      this.headers[name] = value;
    },
    status(code: number) {
      this.statusCode = code;
      return this;
    },
    type(value: string) {
      this.contentType = value;
      return this;
    },
    send(body: string) {
      this.body = body;
      return this;
    },
    end() {
      this.ended = true;
    },
  };
  const host = {
    switchToHttp: () => ({ getRequest: () => ({ id: 'req-1', log }), getResponse: () => response }),
  } as unknown as ArgumentsHost;
  return { host, response, json: () => JSON.parse(response.body) as Record<string, unknown> };
}

describe('ProblemDetailsFilter', () => {
  const filter = filterWithDescribers();

  it('answers a domain exception with its status, code, field errors and headers', () => {
    const { host, response, json } = fakeHost();
    filter.catch(
      new DomainException(ErrorCode.RunActive, 409, 'A run is active.', {
        headers: { 'Retry-After': '2' },
        errors: [{ field: 'content', message: 'x' }],
      }),
      host,
    );
    expect(response.statusCode).toBe(409);
    expect(response.contentType).toBe('application/problem+json');
    expect(response.headers['Retry-After']).toBe('2');
    expect(json()).toEqual({
      type: 'urn:agent-server:problem:run_active',
      title: 'Conflict',
      status: 409,
      detail: 'A run is active.',
      instance: 'req-1',
      code: 'run_active',
      errors: [{ field: 'content', message: 'x' }],
    });
  });

  it('adds extension members to the body without letting them replace the standard ones', () => {
    const { host, json } = fakeHost();
    filter.catch(
      new DomainException(ErrorCode.RunActive, 409, 'A run is active.', {
        extensions: { run_id: 'r-1', status: 200, code: 'other' },
      }),
      host,
    );
    expect(json()).toEqual({
      type: 'urn:agent-server:problem:run_active',
      title: 'Conflict',
      status: 409,
      detail: 'A run is active.',
      instance: 'req-1',
      code: 'run_active',
      run_id: 'r-1',
    });
  });

  it('answers unknown errors with a 500 that leaks nothing', () => {
    const { host, response, json } = fakeHost();
    filter.catch(new Error('password=hunter2 at db.internal:5432'), host);
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('hunter2');
    expect(json().code).toBe('internal_error');
  });

  it.each([
    [new NotFoundException('Cannot GET /nope'), 404, 'route_not_found'],
    [new NotFoundException('Gone'), 404, 'not_found'],
    [new BadRequestException('bad'), 400, 'bad_request'],
    [
      new BadRequestException('x', { cause: new SyntaxError('Unexpected token') }),
      400,
      'bad_request',
    ],
    [new HttpException('slow down', 429), 429, 'rate_limited'],
    [new ServiceUnavailableException('db down at 10.0.0.3'), 503, 'service_unavailable'],
    [new HttpException('teapot', 418), 418, 'bad_request'],
    [new HttpException('gateway', 502), 502, 'internal_error'],
  ])('maps %p to %i %s', (exception, status, code) => {
    const { host, response, json } = fakeHost();
    filter.catch(exception, host);
    expect(response.statusCode).toBe(status);
    expect(json().code).toBe(code);
    if (status >= 500) expect(json().detail).not.toContain('10.0.0.3');
  });

  it.each([
    [{ type: 'entity.too.large', status: 413, expose: true }, 413, 'payload_too_large'],
    [{ type: 'entity.parse.failed', status: 400, expose: true }, 400, 'bad_request'],
    [{ type: 'charset.unsupported', status: 415, expose: true }, 415, 'unsupported_media_type'],
    [{ type: 'request.aborted', status: 400, expose: true }, 400, 'bad_request'],
    [{ type: 'stream.not.readable', status: 500, expose: false }, 500, 'internal_error'],
    // A stream error while reading (invalid gzip) is wrapped without a type.
    [{ code: 'Z_DATA_ERROR', status: 400, expose: true }, 400, 'bad_request'],
  ])('maps body-parser error %j', (error, status, code) => {
    const { host, response, json } = fakeHost();
    filter.catch(error, host);
    expect(response.statusCode).toBe(status);
    expect(json().code).toBe(code);
  });

  it('uses an error that describes itself as HTTP', () => {
    const { host, response, json } = fakeHost();
    const error = Object.assign(new Error('open'), {
      toHttp: () => ({
        status: 503,
        code: 'llm_unavailable',
        detail: 'The model is unavailable.',
        headers: { 'Retry-After': '30' },
      }),
    });
    filter.catch(error, host);
    expect(response.statusCode).toBe(503);
    expect(response.headers['Retry-After']).toBe('30');
    expect(json().code).toBe('llm_unavailable');
  });

  it('answers an error a registered describer recognises as it says', () => {
    const { host, response, json } = fakeHost();
    filter.catch({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }, host);
    expect(response.statusCode).toBe(503);
    expect(response.headers['Retry-After']).toBe('5');
    expect(json().code).toBe('database_unavailable');
  });

  it('answers 500 for a driver error when no describer recognises it', () => {
    const { host, response } = fakeHost();
    new ProblemDetailsFilter().catch({ code: 'ECONNREFUSED', message: 'x' }, host);
    expect(response.statusCode).toBe(500);
  });

  describe('logging', () => {
    const requestLog = () => ({ error: jest.fn(), warn: jest.fn() });

    it('logs an unexpected error once, at error, with the error itself', () => {
      const log = requestLog();
      const error = new Error('bug');
      filter.catch(error, fakeHost(false, log).host);
      expect(log.error).toHaveBeenCalledTimes(1);
      expect(log.error.mock.calls[0][0]).toMatchObject({ err: error, status: 500 });
      expect(log.warn).not.toHaveBeenCalled();
    });

    it.each([
      [new NotFoundException('Cannot GET /nope'), 'route_not_found', undefined],
      [
        new BadRequestException('Unexpected token in "secret"', { cause: new SyntaxError('x') }),
        'bad_request',
        undefined,
      ],
      [new DomainException(ErrorCode.RunActive, 409, 'A run is active.'), 'run_active', undefined],
      [
        Object.assign(new Error('Circuit breaker "database" is open'), {
          toHttp: () => ({ status: 503, code: 'circuit_open', detail: 'Retry later.' }),
        }),
        'circuit_open',
        'Circuit breaker "database" is open',
      ],
      [{ code: 'ECONNREFUSED', message: 'x' }, 'database_unavailable', undefined],
    ])(
      'logs the expected refusal %p as one warning without the error',
      (exception, code, reason) => {
        const log = requestLog();
        filter.catch(exception, fakeHost(false, log).host);
        expect(log.error).not.toHaveBeenCalled();
        expect(log.warn).toHaveBeenCalledTimes(1);
        const [line] = log.warn.mock.calls[0] as [Record<string, unknown>];
        expect(line).toMatchObject({ code });
        expect(line.err).toBeUndefined();
        expect(line.reason).toBe(reason);
        expect(JSON.stringify(line)).not.toContain('secret');
      },
    );
  });

  it('only ends the response when a stream already sent its headers', () => {
    const { host, response } = fakeHost(true);
    filter.catch(new Error('mid-stream'), host);
    expect(response.ended).toBe(true);
    expect(response.body).toBe('');
  });
});
