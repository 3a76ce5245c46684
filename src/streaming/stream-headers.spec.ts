import { streamHeaders } from './stream-headers';

describe('streamHeaders', () => {
  it('gives SSE its content type, no-transform caching, no proxy buffering and keep-alive', () => {
    expect(streamHeaders('sse')).toEqual({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
  });

  it('gives NDJSON its content type and no Connection header', () => {
    expect(streamHeaders('ndjson')).toEqual({
      'Content-Type': 'application/x-ndjson; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    });
  });

  it('leaves out the hop-by-hop Connection header on HTTP/2', () => {
    expect(streamHeaders('sse', 2)).not.toHaveProperty('Connection');
  });
});
