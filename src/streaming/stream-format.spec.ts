import { negotiateStreamFormat } from './stream-format';

describe('negotiateStreamFormat', () => {
  it.each([
    [undefined, undefined, 'sse'],
    ['', undefined, 'sse'],
    ['*/*', undefined, 'sse'],
    ['text/event-stream', undefined, 'sse'],
    ['application/json', undefined, 'sse'],
    ['application/x-ndjson', undefined, 'ndjson'],
    ['application/ndjson', undefined, 'ndjson'],
    ['Application/X-NDJSON; charset=utf-8', undefined, 'ndjson'],
    ['text/event-stream, application/x-ndjson', undefined, 'sse'],
    ['application/x-ndjson, text/event-stream;q=0.5', undefined, 'ndjson'],
    ['text/event-stream;q=0.9, application/x-ndjson;q=0.8', undefined, 'sse'],
    ['application/x-ndjson;q=0', undefined, 'sse'],
    ['application/x-ndjson;q=oops', undefined, 'ndjson'],
    ['application/x-ndjson;level=1;q=0.4, */*;q=0.1', undefined, 'ndjson'],
  ])('Accept %p with ?format=%p gives %p', (accept, format, expected) => {
    expect(negotiateStreamFormat(accept, format)).toBe(expected);
  });

  it('lets ?format= win over Accept, case and spaces aside', () => {
    expect(negotiateStreamFormat('text/event-stream', 'ndjson')).toBe('ndjson');
    expect(negotiateStreamFormat('application/x-ndjson', ' SSE ')).toBe('sse');
  });

  it('ignores an unknown ?format= and falls back to Accept', () => {
    expect(negotiateStreamFormat('application/x-ndjson', 'xml')).toBe('ndjson');
    expect(negotiateStreamFormat(undefined, 'xml')).toBe('sse');
  });

  it('takes the first of repeated query values and joins repeated Accept headers', () => {
    expect(negotiateStreamFormat(undefined, ['ndjson', 'sse'])).toBe('ndjson');
    expect(negotiateStreamFormat(['text/plain', 'application/x-ndjson'])).toBe('ndjson');
    expect(negotiateStreamFormat([], [])).toBe('sse');
  });
});
