import { request as httpRequest, type IncomingMessage } from 'node:http';
import { parseSse } from './stream-parsers';

/** One SSE message that carries data. */
export interface SseDataMessage {
  id?: string;
  event?: string;
  data: string;
}

/** What a stream request got. */
export interface StreamResult {
  status: number;
  headers: IncomingMessage['headers'];
  raw: string;
  /** Parsed event payloads (`data` JSON in SSE, lines in NDJSON), heartbeats excluded. */
  events: Array<Record<string, unknown> & { type: string; seq: number; run_id: string }>;
  sse: SseDataMessage[];
  comments: string[];
}

/** Options of {@link openStream}. */
export interface StreamRequest {
  method?: 'GET' | 'POST';
  path: string;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Called with each raw chunk as it arrives; return true to disconnect. */
  onChunk?: (chunk: string, soFar: string) => boolean | void;
}

/** Sends a request and reads the whole streamed answer (or until `onChunk` disconnects). */
export function openStream(baseUrl: string, options: StreamRequest): Promise<StreamResult> {
  const url = new URL(options.path, baseUrl);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: options.method ?? 'POST',
        headers: {
          ...(body ? { 'Content-Type': 'application/json' } : {}),
          ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let raw = '';
        res.setEncoding('utf8');
        const done = () => resolve(buildResult(res, raw));
        res.on('data', (chunk: string) => {
          raw += chunk;
          if (options.onChunk?.(chunk, raw)) {
            req.destroy();
            done();
          }
        });
        res.on('end', done);
        res.on('error', done);
        res.on('close', done);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function buildResult(res: IncomingMessage, raw: string): StreamResult {
  const contentType = String(res.headers['content-type'] ?? '');
  if (contentType.startsWith('application/x-ndjson')) {
    const lines = raw.split('\n').filter((line) => line.trim());
    const parsed = lines.map((line) => JSON.parse(line) as StreamResult['events'][number]);
    return {
      status: res.statusCode ?? 0,
      headers: res.headers,
      raw,
      events: parsed.filter((event) => event.type !== 'heartbeat'),
      sse: [],
      comments: [],
    };
  }
  const parsed = parseSse(raw);
  const messages = parsed.flatMap(({ id, event, data }) => (data ? [{ id, event, data }] : []));
  const comments = parsed.flatMap(({ comment }) => (comment === undefined ? [] : [comment.trim()]));
  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    raw,
    events: messages.map((m) => JSON.parse(m.data) as StreamResult['events'][number]),
    sse: messages,
    comments,
  };
}
