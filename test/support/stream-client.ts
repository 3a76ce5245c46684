import { request as httpRequest, type IncomingMessage } from 'node:http';

/** One parsed SSE message. */
export interface SseMessage {
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
  sse: SseMessage[];
  comments: string[];
}

/** Parses an SSE body into messages and comment lines. */
export function parseSse(raw: string): { messages: SseMessage[]; comments: string[] } {
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  for (const block of raw.split('\n\n')) {
    if (!block.trim()) continue;
    const message: SseMessage = { data: '' };
    let hasField = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments.push(line.slice(1).trim());
      else if (line.startsWith('id: ')) message.id = line.slice(4);
      else if (line.startsWith('event: ')) message.event = line.slice(7);
      else if (line.startsWith('data: ')) message.data += line.slice(6);
      else continue;
      hasField = true;
    }
    if (hasField && message.data) messages.push(message);
  }
  return { messages, comments };
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
  const { messages, comments } = parseSse(raw);
  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    raw,
    events: messages.map((m) => JSON.parse(m.data) as StreamResult['events'][number]),
    sse: messages,
    comments,
  };
}
