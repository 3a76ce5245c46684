/**
 * The baseline: a bare `node:http` server doing the same work as the app for the benchmarked routes,
 * with nothing else (no framework, validation pipes, logging, metrics, security headers). Every
 * figure of the app is printed as a ratio to this one, so the ratio is the cost of everything the
 * app adds on top of the unavoidable work — on the same machine, under the same load.
 *
 * - The same SQL through `pg` with a pool of the same size: TypeORM's `save()` of a conversation
 *   is `START TRANSACTION; INSERT … RETURNING …; COMMIT` (three round trips) and the list is one
 *   keyset SELECT; both are sent verbatim (captured from TypeORM's query log).
 * - The same auth: an HS256 bearer token verified with `jose` on every request, as the app does.
 * - The same SSE framing: `: connected` and `retry:`, one `id:/event:/data:` message per chunk
 *   (the local model's words: its fixed preamble, then the user's words), then `complete_state`;
 *   with `TOKEN_DELAY_MS` between chunks like `LOCAL_MODEL_TOKEN_DELAY_MS`. A baseline stream
 *   stores nothing: the app's run, message and event rows are part of what the ratio shows.
 *
 * Run by the bench as a child process; configured by the environment only.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { jwtVerify } from 'jose';
import { Pool } from 'pg';

const PORT = Number(process.env.PORT ?? 0);
const POOL_SIZE = Number(process.env.DB_POOL_SIZE ?? 10);
const TOKEN_DELAY_MS = Number(process.env.TOKEN_DELAY_MS ?? 0);
const MAX_BODY_BYTES = 256 * 1024;
const secret = new TextEncoder().encode(process.env.AUTH_JWT_SECRET ?? '');
/** The local model's fixed preamble (src/agent/models/local-reply.planner.ts). */
const PREAMBLE = 'This is the local development model. You said:';

const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: POOL_SIZE,
  // The app's pool settings (src/database/typeorm-options.ts).
  statement_timeout: 30_000,
  application_name: 'bench-baseline',
});

const INSERT_CONVERSATION =
  'INSERT INTO "conversations"("id", "user_id", "title", "metadata", "message_count", "created_at", "updated_at") ' +
  'VALUES (DEFAULT, $1, $2, $3, DEFAULT, DEFAULT, DEFAULT) ' +
  'RETURNING "id", "metadata", "message_count", "created_at", "updated_at"';
const SELECT_COLUMNS =
  'SELECT "c"."id" AS "c_id", "c"."user_id" AS "c_user_id", "c"."title" AS "c_title", ' +
  '"c"."metadata" AS "c_metadata", "c"."message_count" AS "c_message_count", ' +
  '"c"."created_at" AS "c_created_at", "c"."updated_at" AS "c_updated_at" FROM "conversations" "c" ';
// TypeORM writes the limit into the text (LIMIT 21), so the statements are the same strings.
const listFirstPage = (limit: number) =>
  `${SELECT_COLUMNS}WHERE "c"."user_id" = $1 ORDER BY "c"."created_at" DESC, "c"."id" DESC LIMIT ${limit}`;
const listAfterCursor = (limit: number) =>
  `${SELECT_COLUMNS}WHERE "c"."user_id" = $1 AND ("c"."created_at", "c"."id") < ($2::timestamptz, $3::uuid) ORDER BY "c"."created_at" DESC, "c"."id" DESC LIMIT ${limit}`;

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

interface Row {
  c_id: string;
  c_title: string | null;
  c_metadata: Record<string, unknown>;
  c_message_count: number;
  c_created_at: Date;
  c_updated_at: Date;
}

async function createConversation(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const user = await userOf(req);
  const body = await readJson(req);
  const title = typeof body.title === 'string' ? body.title : null;
  const metadata = typeof body.metadata === 'object' && body.metadata !== null ? body.metadata : {};
  const client = await pool.connect();
  try {
    await client.query('START TRANSACTION');
    const { rows } = await client.query<{
      id: string;
      metadata: Record<string, unknown>;
      message_count: number;
      created_at: Date;
      updated_at: Date;
    }>(INSERT_CONVERSATION, [user, title, JSON.stringify(metadata)]);
    await client.query('COMMIT');
    const row = rows[0];
    sendJson(res, 201, {
      id: row.id,
      title,
      metadata: row.metadata,
      message_count: row.message_count,
      created_at: row.created_at.toISOString(),
      updated_at: row.updated_at.toISOString(),
    });
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
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
  const sql = cursor ? listAfterCursor(limit + 1) : listFirstPage(limit + 1);
  const { rows } = await pool.query<Row>(sql, params);
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  sendJson(res, 200, {
    items: items.map((r) => ({
      id: r.c_id,
      title: r.c_title,
      metadata: r.c_metadata,
      message_count: r.c_message_count,
      created_at: r.c_created_at.toISOString(),
      updated_at: r.c_updated_at.toISOString(),
    })),
    next_cursor:
      rows.length > limit && last
        ? Buffer.from(
            JSON.stringify({ t: last.c_created_at.toISOString(), i: last.c_id }),
          ).toString('base64url')
        : null,
  });
}

/** Runs in progress by conversation, so that `POST …/cancel` can stop one as the app does. */
const cancels = new Map<string, () => void>();

async function stream(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
  await userOf(req);
  const body = await readJson(req);
  const content = typeof body.content === 'string' ? body.content : '';
  const text = `${PREAMBLE} ${content.trim().split(/\s+/).filter(Boolean).join(' ')}`;
  const words = text.match(/\S+\s*/g) ?? [];
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
  for (const [i, word] of words.entries()) {
    if (i > 0 && TOKEN_DELAY_MS > 0) {
      await new Promise<void>((resolve) => {
        wakeUp = resolve;
        setTimeout(resolve, TOKEN_DELAY_MS);
      });
    }
    if (res.destroyed || cancelled) break;
    send({ type: 'message_chunk', content: word, tokens: 1 });
    sent += 1;
  }
  cancels.delete(id);
  if (res.destroyed) return;
  send({
    type: 'complete_state',
    message: text,
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
