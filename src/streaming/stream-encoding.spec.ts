import {
  NDJSON_HEARTBEAT,
  SSE_HEARTBEAT,
  encodeNdjson,
  encodeSse,
  eventEncoderFor,
  heartbeatFor,
  ssePreamble,
} from './stream-encoding';
import { fetchEventSourceMessages, parseNdjson, parseSse } from '../../test/support/stream-parsers';

const event = {
  type: 'message_chunk',
  run_id: 'r-1',
  seq: 7,
  content: 'line one\nline two\r\n\u2028 "quoted" ü',
  tokens: 3,
};

describe('stream encoding', () => {
  it('frames an SSE event as id, event and a single data line, then a blank line', () => {
    expect(encodeSse(event)).toBe(
      `id: r-1:7\nevent: message_chunk\ndata: ${JSON.stringify(event)}\n\n`,
    );
    expect(encodeSse(event).split('\n')).toHaveLength(5);
  });

  it('round-trips the payload through an SSE parser, newlines and all', () => {
    const [message] = parseSse(encodeSse(event));
    expect(message).toEqual({ id: 'r-1:7', event: 'message_chunk', data: JSON.stringify(event) });
    expect(JSON.parse(message?.data ?? '')).toEqual(event);
  });

  it('frames an NDJSON event as exactly one line', () => {
    const line = encodeNdjson(event);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(parseNdjson(line)).toEqual([event]);
  });

  it('picks encoders and heartbeats by format', () => {
    expect(eventEncoderFor('sse')).toBe(encodeSse);
    expect(eventEncoderFor('ndjson')).toBe(encodeNdjson);
    expect(heartbeatFor('sse')).toBe(SSE_HEARTBEAT);
    expect(heartbeatFor('ndjson')).toBe(NDJSON_HEARTBEAT);
  });

  it('makes heartbeats that carry no seq and dispatch no SSE event', () => {
    expect(parseSse(SSE_HEARTBEAT)).toEqual([{ comment: 'keep-alive' }]);
    expect(parseNdjson(NDJSON_HEARTBEAT)).toEqual([{ type: 'heartbeat' }]);
  });

  it('starts SSE with a connected comment and a retry hint that joins the first event', () => {
    expect(ssePreamble(2500)).toBe(': connected\nretry: 2500\n');
    expect(parseSse(ssePreamble(2500))).toEqual([{ comment: 'connected' }]);
    expect(parseSse(ssePreamble(2500) + SSE_HEARTBEAT + encodeSse(event))).toEqual([
      { comment: 'connected' },
      { comment: 'keep-alive' },
      { retry: 2500, id: 'r-1:7', event: 'message_chunk', data: JSON.stringify(event) },
    ]);
  });

  it('gives clients that dispatch at every blank line only blocks with data', () => {
    const body = ssePreamble(3000) + SSE_HEARTBEAT + encodeSse(event) + SSE_HEARTBEAT;
    const messages = fetchEventSourceMessages(body);
    expect(messages).toEqual([
      { id: 'r-1:7', event: 'message_chunk', data: JSON.stringify(event), retry: 3000 },
    ]);
  });
});
