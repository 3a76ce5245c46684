/**
 * The baseline: a bare `node:http` server doing the same work as the app for the benchmarked routes,
 * with nothing else (no framework, validation pipes, logging, metrics, security headers). Every
 * figure of the app is printed as a ratio to this one, so the ratio is the cost of everything the
 * app adds on top of the unavoidable work — on the same machine, under the same load.
 *
 * - The same SQL through `pg` with a pool of the same size: the statements are loaded from the
 *   app's build under `APP_DIR` (`dist/conversations/conversation.sql.js`,
 *   `dist/knowledge/search/search-sql.js`), so they cannot drift apart: one INSERT … RETURNING
 *   to create a conversation, one keyset SELECT to list them, rows already in the API's shape.
 * - The same auth: an HS256 bearer token verified with `jose` on every request, as the app does.
 * - The same SSE framing: `: connected` and `retry:`, one `id:/event:/data:` message per chunk
 *   (the local model's words: its fixed preamble, then the user's words), then `complete_state`;
 *   with `TOKEN_DELAY_MS` between chunks like `LOCAL_MODEL_TOKEN_DELAY_MS`. A baseline stream
 *   stores nothing: the app's run, message and event rows are part of what the ratio shows.
 * - With `OPENAI_BASE_URL` (the bench's OpenAI mode): the chunks are the content deltas of a
 *   streamed Chat Completions request to that server (the bench's mock model), with the user's
 *   message, read with the tests' SSE reader, one `message_chunk` per delta, as the app's
 *   OpenAI provider path does; no tokenizer, no history, no agent.
 * - The same knowledge search (`GET /api/v1/knowledge/search?q=&k=`): the query embedded by the
 *   app's own local embedding (`LocalHashEmbeddings`, loaded from the app's build under `APP_DIR`
 *   as the breaker micro-benchmark loads the breaker), then the same exact-cosine SQL in the same
 *   transaction with the same local statement timeout (`START TRANSACTION`, `set_config`, the
 *   query, `COMMIT`: what `PostgresVectorSearcher` sends through TypeORM). Baseline-only
 *   parameter `strategy`: `pgvector` runs the HNSW query of the pgvector mode instead, `keyword`
 *   the full-text SQL (one statement, as the app's keyword fallback sends it). The SQL is copied
 *   from the app's build, as above.
 *
 * Run by the bench as a child process; configured by the environment only.
 */
import { randomUUID } from 'node:crypto';
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import { Pool } from 'pg';
import type * as ConversationSql from '../../src/conversations/conversation.sql';
import type * as LocalHash from '../../src/knowledge/embeddings/local-hash.embeddings';
import type * as SearchSql from '../../src/knowledge/search/search-sql';
import { SseReader } from '../../test/support/stream-parsers';

const PORT = Number(process.env.PORT ?? 0);
const POOL_SIZE = Number(process.env.DB_POOL_SIZE ?? 10);
const TOKEN_DELAY_MS = Number(process.env.TOKEN_DELAY_MS ?? 0);
const MAX_BODY_BYTES = 256 * 1024;
const secret = new TextEncoder().encode(process.env.AUTH_JWT_SECRET ?? '');
/** The app whose build provides the local embedding; the vector search's statement timeout. */
const APP_DIR = process.env.APP_DIR ?? join(__dirname, '..', '..');
const KNOWLEDGE_STATEMENT_TIMEOUT_MS = Number(process.env.KNOWLEDGE_STATEMENT_TIMEOUT_MS ?? 2_000);
/** The local model's fixed preamble (src/agent/models/local-reply.planner.ts). */
const PREAMBLE = 'This is the local development model. You said:';
/** The OpenAI-compatible server to stream from instead of the local words, if any. */
const OPENAI_BASE_URL = process.env.OPENAI_BASE_URL;
const modelAgent = new Agent({ keepAlive: true });

const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: POOL_SIZE,
  // The app's pool settings (src/database/typeorm-options.ts).
  statement_timeout: 30_000,
  application_name: 'bench-baseline',
});

/**
 * A module of the app's build under APP_DIR (see the header: the same statements, not copies),
 * typed by this checkout's sources.
 */
function appModule<T>(...path: string[]): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(join(APP_DIR, 'dist', ...path)) as T;
}
const { INSERT_CONVERSATION, LIST_CONVERSATIONS, LIST_CONVERSATIONS_AFTER } = appModule<
  typeof ConversationSql
>('conversations', 'conversation.sql.js');
const { EXACT_SEARCH_SQL, KEYWORD_SEARCH_SQL, pgvectorSearchSql } = appModule<typeof SearchSql>(
  'knowledge',
  'search',
  'search-sql.js',
);

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function userOf(req: IncomingMessage): Promise<string> {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!match) throw new HttpError(401, 'no token');
  try {
    const { payload } = await jwtVerify(match[1], secret, {
      algorithms: ['HS256'],
      clockTolerance: 5,
    });
    if (typeof payload.sub !== 'string') throw new Error('no sub');
    return payload.sub;
  } catch {
    throw new HttpError(401, 'bad token');
  }
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new HttpError(413, 'too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        const value: unknown = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {};
        if (typeof value !== 'object' || value === null) throw new Error('not an object');
        resolve(value as Record<string, unknown>);
      } catch {
        reject(new HttpError(400, 'bad json'));
      }
    });
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'X-Request-Id': randomUUID(),
  });
  res.end(text);
}

/** A conversation row of the app's statements: already the API's shape. */
interface Row {
  id: string;
  title: string | null;
  metadata: Record<string, unknown>;
  message_count: number;
  created_at: string;
  updated_at: string;
}

async function createConversation(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const user = await userOf(req);
  const body = await readJson(req);
  const title = typeof body.title === 'string' ? body.title : null;
  const metadata = typeof body.metadata === 'object' && body.metadata !== null ? body.metadata : {};
  const { rows } = await pool.query<Row>(INSERT_CONVERSATION, [
    user,
    title,
    JSON.stringify(metadata),
  ]);
  sendJson(res, 201, rows[0]);
}

async function listConversations(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const user = await userOf(req);
  const query = new URL(req.url ?? '/', 'http://x').searchParams;
  const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 20) || 20));
  const cursor = query.get('cursor');
  let params: unknown[] = [user];
  if (cursor) {
    const after = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as {
      t: string;
      i: string;
    };
    params = [...params, after.t, after.i];
  }
  const { rows } = await pool.query<Row>(cursor ? LIST_CONVERSATIONS_AFTER : LIST_CONVERSATIONS, [
    user,
    limit + 1,
    ...params.slice(1),
  ]);
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  sendJson(res, 200, {
    items,
    next_cursor:
      rows.length > limit && last
        ? Buffer.from(JSON.stringify({ t: last.created_at, i: last.id })).toString('base64url')
        : null,
  });
}

interface SearchRow {
  document_id: string;
  title: string;
  content: string;
  score: number | string;
}

let embedder: LocalHash.LocalHashEmbeddings | undefined;

/**
 * The app's local embedding with its default length (384, as the app's when `EMBEDDINGS_DIMENSIONS`
 * is unset), loaded on first use so that the other scenarios' baseline does not load LangChain.
 */
function embedQuery(text: string): number[] {
  embedder ??= new (appModule<typeof LocalHash>(
    'knowledge',
    'embeddings',
    'local-hash.embeddings.js',
  ).LocalHashEmbeddings)();
  return embedder.embed(text);
}

async function searchKnowledge(req: IncomingMessage, res: ServerResponse): Promise<void> {
  await userOf(req);
  const query = new URL(req.url ?? '/', 'http://x').searchParams;
  const q = (query.get('q') ?? '').trim();
  const k = Number(query.get('k') ?? 5);
  if (!q || q.length > 1000 || !Number.isInteger(k) || k < 1 || k > 20) {
    throw new HttpError(400, 'bad query');
  }
  const mode = query.get('strategy') ?? 'exact';
  let rows: SearchRow[];
  let strategy: 'vector' | 'keyword_fallback';
  if (mode === 'keyword') {
    strategy = 'keyword_fallback';
    ({ rows } = await pool.query<SearchRow>(KEYWORD_SEARCH_SQL, [q, k]));
  } else {
    strategy = 'vector';
    const embedding = embedQuery(q);
    const [sql, parameters] =
      mode === 'pgvector'
        ? [pgvectorSearchSql(embedding.length), [embedding, k]]
        : [EXACT_SEARCH_SQL, [embedding, embedding.length, k]];
    const client = await pool.connect();
    try {
      await client.query('START TRANSACTION');
      await client.query(`SELECT set_config('statement_timeout', $1, true)`, [
        String(KNOWLEDGE_STATEMENT_TIMEOUT_MS),
      ]);
      ({ rows } = await client.query<SearchRow>(sql, parameters));
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
  sendJson(res, 200, {
    strategy,
    results: rows.map((row) => ({
      document_id: row.document_id,
      title: row.title,
      content: row.content,
      score: Number(row.score),
    })),
  });
}

/** Runs in progress by conversation, so that `POST …/cancel` can stop one as the app does. */
const cancels = new Map<string, () => void>();

/** The content deltas of one streamed Chat Completions answer to `content`. */
async function* modelDeltas(content: string): AsyncGenerator<string> {
  const url = new URL(`${OPENAI_BASE_URL}/chat/completions`);
  const body = JSON.stringify({
    model: 'gpt-4o-mini',
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: 'user', content }],
  });
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      agent: modelAgent,
      headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
    });
    req.on('response', resolve);
    req.on('error', reject);
    req.end(body);
  });
  if (res.statusCode !== 200) throw new Error(`model answered ${res.statusCode}`);
  res.setEncoding('utf8');
  const reader = new SseReader();
  for await (const chunk of res as AsyncIterable<string>) {
    for (const message of reader.push(chunk)) {
      if (!message.data || message.data === '[DONE]') continue;
      const parsed = JSON.parse(message.data) as {
        choices: Array<{ delta?: { content?: string } }>;
      };
      const delta = parsed.choices[0]?.delta?.content;
      if (delta) yield delta;
    }
  }
}

/** The local model's words: its preamble, then the user's words. */
function localWords(content: string): string[] {
  const text = `${PREAMBLE} ${content.trim().split(/\s+/).filter(Boolean).join(' ')}`;
  return text.match(/\S+\s*/g) ?? [];
}

async function stream(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
  await userOf(req);
  const body = await readJson(req);
  const content = typeof body.content === 'string' ? body.content : '';
  const words = OPENAI_BASE_URL ? modelDeltas(content) : localWords(content);
  const runId = randomUUID();
  const started = performance.now();
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
    Connection: 'keep-alive',
  });
  res.write(': connected\nretry: 3000\n\n');
  let seq = 0;
  const send = (event: Record<string, unknown>) => {
    seq += 1;
    const full = { ...event, run_id: runId, seq };
    res.write(
      `id: ${runId}:${seq}\nevent: ${String(event.type)}\ndata: ${JSON.stringify(full)}\n\n`,
    );
  };
  let cancelled = false;
  let wakeUp: (() => void) | undefined;
  cancels.set(id, () => {
    cancelled = true;
    wakeUp?.();
  });
  let sent = 0;
  let text = '';
  for await (const word of words) {
    if (sent > 0 && TOKEN_DELAY_MS > 0) {
      await new Promise<void>((resolve) => {
        wakeUp = resolve;
        setTimeout(resolve, TOKEN_DELAY_MS);
      });
    }
    if (res.destroyed || cancelled) break;
    send({ type: 'message_chunk', content: word, tokens: 1 });
    text += word;
    sent += 1;
  }
  cancels.delete(id);
  if (res.destroyed) return;
  send({
    type: 'complete_state',
    message: text.trim(),
    message_id: randomUUID(),
    conversation_id: id,
    total_tokens: sent,
    usage: { input_tokens: 0, output_tokens: sent, estimated: true },
    finish_reason: cancelled ? 'cancelled' : 'stop',
    degraded: false,
    duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
  });
  res.end();
}

const STREAM_PATH = /^\/api\/v1\/conversations\/([0-9a-f-]{36})\/stream$/;
const CANCEL_PATH = /^\/api\/v1\/conversations\/([0-9a-f-]{36})\/cancel$/;

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/health') return sendJson(res, 200, { status: 'ok' });
  if (req.method === 'GET' && path === '/health/ready') {
    await pool.query('SELECT 1');
    return sendJson(res, 200, { status: 'ok' });
  }
  if (path === '/api/v1/conversations') {
    if (req.method === 'POST') return createConversation(req, res);
    if (req.method === 'GET') return listConversations(req, res);
  }
  if (req.method === 'GET' && path === '/api/v1/knowledge/search') return searchKnowledge(req, res);
  const streamMatch = req.method === 'POST' ? STREAM_PATH.exec(path) : null;
  if (streamMatch) return stream(req, res, streamMatch[1]);
  const cancelMatch = req.method === 'POST' ? CANCEL_PATH.exec(path) : null;
  if (cancelMatch) {
    await userOf(req);
    const cancel = cancels.get(cancelMatch[1]);
    if (!cancel) return sendJson(res, 409, { status: 409 });
    cancel();
    return sendJson(res, 202, { status: 'cancelling' });
  }
  throw new HttpError(404, 'not found');
}

const server = createServer((req, res) => {
  route(req, res).catch((error: unknown) => {
    const status = error instanceof HttpError ? error.status : 500;
    if (status === 500) process.stderr.write(`baseline: ${String(error)}\n`);
    if (!res.headersSent) sendJson(res, status, { status });
    else res.destroy();
  });
});
// Same as the app's HTTP server defaults (Node's), so connection reuse behaves alike.
server.listen(PORT, '127.0.0.1');

process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void pool.end().finally(() => process.exit(0));
});
