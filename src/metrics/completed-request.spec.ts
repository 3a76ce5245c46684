import { ServerResponse, IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import {
  EXCLUDED_FLAG,
  excludeFromHttpMetrics,
  isStreamResponse,
  markUnmatched,
  routeLabel,
  UNMATCHED_ROUTE,
} from './completed-request';

function response(locals?: Record<string, unknown>): ServerResponse {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  return Object.assign(res, locals ? { locals } : {});
}

describe('routeLabel', () => {
  it('is the matched route template, never the raw URL', () => {
    expect(routeLabel({ route: { path: '/api/v1/conversations/:id' } })).toBe(
      '/api/v1/conversations/:id',
    );
  });

  it('labels a request no route handled as unmatched', () => {
    expect(routeLabel({})).toBe(UNMATCHED_ROUTE);
    expect(routeLabel({ route: {} })).toBe(UNMATCHED_ROUTE);
  });

  it('labels a request marked unmatched as such, whatever route a middleware left', () => {
    const request = { route: { path: '/api/v1/{*path}' } };
    markUnmatched(request);
    expect(routeLabel(request)).toBe(UNMATCHED_ROUTE);
  });

  it('drops the escapes of a declared path', () => {
    expect(routeLabel({ route: { path: '/api/v1/health\\/stream' } })).toBe(
      '/api/v1/health/stream',
    );
  });
});

describe('isStreamResponse', () => {
  it('recognises SSE and NDJSON by content type', () => {
    const sse = response();
    sse.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    const ndjson = response();
    ndjson.setHeader('Content-Type', 'application/x-ndjson');
    const json = response();
    json.setHeader('Content-Type', 'application/json');
    expect([sse, ndjson, json].map(isStreamResponse)).toEqual([true, true, false]);
  });

  it('honours excludeFromHttpMetrics() and the flag on res.locals', () => {
    const flagged = response();
    expect(isStreamResponse(flagged)).toBe(false);
    excludeFromHttpMetrics(flagged);
    expect(isStreamResponse(flagged)).toBe(true);
    expect(isStreamResponse(response({ [EXCLUDED_FLAG]: true }))).toBe(true);
    expect(isStreamResponse(response({}))).toBe(false);
  });
});
