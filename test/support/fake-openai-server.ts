import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** One step of a scripted streaming answer. */
export type FakeStreamStep =
  /** A content delta. */
  | { text: string }
  /**
   * A tool call: the first chunk carries the id, the name and the first part of the arguments,
   * each later part comes in its own chunk, as OpenAI streams them.
   */
  | { toolCall: { index?: number; id: string; name: string; argumentParts: string[] } }
  /** A pause before the next chunk. */
  | { delayMs: number }
  /** Stops sending without ending the response, until the client gives up. */
  | { stall: true };

/** How the server answers one request. */
export interface FakeResponse {
  /** An HTTP error: answered with this status and an OpenAI-style error body instead of a stream. */
  status?: number;
  /** The error message of an HTTP error. */
  errorMessage?: string;
  /** Wait this long before sending the headers. */
  headersDelayMs?: number;
  steps?: FakeStreamStep[];
  /** `finish_reason` of the last chunk; `tool_calls` when the steps hold a tool call, else `stop`. */
  finishReason?: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  /**
   * The usage chunk sent when the request asks for it (`stream_options.include_usage`) or in a
   * non-streamed answer. Default: whitespace-separated words in and out; `null` sends none.
   */
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
}

/** A scripted answer, or a function that makes one from the request (an answer that reads the history). */
export type FakeScript = FakeResponse | ((body: FakeChatCompletionsBody) => FakeResponse);

/** Options of {@link FakeOpenAIServer.start}. */
export interface FakeOpenAIServerOptions {
  /** Port on 127.0.0.1; default a free one. */
  port?: number;
  /** The answer to every request while the queue is empty (default: a 500, so tests fail loudly). */
  fallback?: FakeScript;
  /** Keep every request in {@link FakeOpenAIServer.requests} (default true; a benchmark says no). */
  record?: boolean;
}

/** A request the server received. */
export interface FakeRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The parsed JSON body (`model`, `messages`, `tools`, `stream`, `stream_options`...). */
  body: FakeChatCompletionsBody;
  /** True when the client closed the connection before the answer ended (abort, timeout). */
  closedByClient: boolean;
}

/** The part of a Chat Completions request body tests look at. */
export interface FakeChatCompletionsBody {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  messages?: Array<{
    role: string;
    content: unknown;
    tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
    tool_call_id?: string;
  }>;
  tools?: Array<{ type: string; function: { name: string; description?: string } }>;
  [key: string]: unknown;
}

/** A plain answer, streamed one word per chunk. */
export function textResponse(
  text: string,
  options: Omit<FakeResponse, 'steps'> = {},
): FakeResponse {
  return { ...options, steps: (text.match(/\S+\s*/g) ?? []).map((word) => ({ text: word })) };
}

/** One tool call whose JSON arguments arrive split into `parts` chunks. */
export function toolCallResponse(
  call: { id: string; name: string; args: Record<string, unknown> },
  parts = 3,
): FakeResponse {
  const json = JSON.stringify(call.args);
  const size = Math.ceil(json.length / parts);
  const argumentParts = Array.from({ length: parts }, (_, i) =>
    json.slice(i * size, (i + 1) * size),
  );
  return { steps: [{ toolCall: { id: call.id, name: call.name, argumentParts } }] };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function countWords(value: unknown): number {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? '');
  return text.split(/\s+/).filter(Boolean).length;
}

/**
 * A local stand-in for an OpenAI-compatible Chat Completions server (`POST /v1/chat/completions`),
 * for tests of the real `ChatOpenAI` client and, end to end, of the whole service. It speaks the
 * streaming protocol (SSE `data: {...}` chunks, `data: [DONE]`) and the plain JSON one.
 *
 * Each request takes the next scripted answer from a queue ({@link FakeOpenAIServer.enqueue});
 * with the queue empty it answers 500, so an unexpected call fails loudly. Every request is
 * recorded ({@link FakeOpenAIServer.requests}) so tests can check what the client sent.
 */
export class FakeOpenAIServer {
  /** Every request received, in order. */
  readonly requests: FakeRequest[] = [];
  private readonly queue: FakeScript[] = [];
  private answered = 0;

  private constructor(
    private readonly server: Server,
    /** Base URL to give the client, e.g. `http://127.0.0.1:41234/v1`. */
    readonly baseUrl: string,
    private readonly options: FakeOpenAIServerOptions,
  ) {}

  /** Starts a server on 127.0.0.1 (on a free port unless `options.port`). */
  static async start(options: FakeOpenAIServerOptions = {}): Promise<FakeOpenAIServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const instance = new FakeOpenAIServer(server, `http://127.0.0.1:${port}/v1`, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void instance.handle(req, res);
    });
    return instance;
  }

  /** Queues the answers to the next requests, in order. */
  enqueue(...responses: FakeScript[]): this {
    this.queue.push(...responses);
    return this;
  }

  /** Scripted answers not used yet. */
  get pending(): number {
    return this.queue.length;
  }

  /** Forgets the recorded requests and the queued answers (between tests). */
  reset(): void {
    this.requests.length = 0;
    this.queue.length = 0;
  }

  /** Stops the server, cutting any stream still open. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const recorded: FakeRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      body: raw ? (JSON.parse(raw) as FakeChatCompletionsBody) : {},
      closedByClient: false,
    };
    if (this.options.record !== false) this.requests.push(recorded);
    res.on('close', () => {
      if (!res.writableFinished) recorded.closedByClient = true;
    });

    if (recorded.method === 'GET' && recorded.path.endsWith('/models')) {
      // OpenAI's model list: enough for a readiness probe.
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'fake-model', object: 'model' }] }));
      return;
    }
    if (recorded.method !== 'POST' || !recorded.path.endsWith('/chat/completions')) {
      this.sendError(res, 404, `FakeOpenAIServer: no route ${recorded.method} ${recorded.path}`);
      return;
    }
    const next = this.queue.shift() ?? this.options.fallback;
    if (!next) {
      this.sendError(res, 500, 'FakeOpenAIServer: no scripted response left');
      return;
    }
    const script = typeof next === 'function' ? next(recorded.body) : next;
    if (script.headersDelayMs) await sleep(script.headersDelayMs);
    if (res.destroyed) return;
    if (script.status && script.status >= 400) {
      this.sendError(res, script.status, script.errorMessage ?? `scripted error ${script.status}`);
      return;
    }
    if (recorded.body.stream) await this.stream(recorded.body, script, res);
    else this.answer(recorded.body, script, res);
  }

  private async stream(
    body: FakeChatCompletionsBody,
    script: FakeResponse,
    res: ServerResponse,
  ): Promise<void> {
    const id = `chatcmpl-fake-${++this.answered}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model ?? 'fake-model';
    const send = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`,
      );
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    send([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);

    for (const step of script.steps ?? []) {
      if (res.destroyed) return;
      if ('delayMs' in step) await sleep(step.delayMs);
      else if ('stall' in step)
        return; // leave the response open: the client must give up
      else if ('text' in step) {
        send([{ index: 0, delta: { content: step.text }, finish_reason: null }]);
      } else {
        const { index = 0, id: callId, name, argumentParts } = step.toolCall;
        argumentParts.forEach((part, i) => {
          const call =
            i === 0
              ? { index, id: callId, type: 'function', function: { name, arguments: part } }
              : { index, function: { arguments: part } };
          send([{ index: 0, delta: { tool_calls: [call] }, finish_reason: null }]);
        });
      }
    }
    if (res.destroyed) return;
    send([{ index: 0, delta: {}, finish_reason: this.finishReason(script) }]);
    const usage = this.usage(body, script);
    if (body.stream_options?.include_usage && usage) send([], { usage });
    res.end('data: [DONE]\n\n');
  }

  private answer(body: FakeChatCompletionsBody, script: FakeResponse, res: ServerResponse): void {
    const steps = script.steps ?? [];
    const text = steps.map((s) => ('text' in s ? s.text : '')).join('');
    const toolCalls = steps.flatMap((s) =>
      'toolCall' in s
        ? [
            {
              id: s.toolCall.id,
              type: 'function',
              function: { name: s.toolCall.name, arguments: s.toolCall.argumentParts.join('') },
            },
          ]
        : [],
    );
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        id: `chatcmpl-fake-${++this.answered}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model ?? 'fake-model',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: text || null,
              ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
            },
            finish_reason: this.finishReason(script),
          },
        ],
        ...(this.usage(body, script) ? { usage: this.usage(body, script) } : {}),
      }),
    );
  }

  private finishReason(script: FakeResponse): string {
    return (
      script.finishReason ?? (script.steps?.some((s) => 'toolCall' in s) ? 'tool_calls' : 'stop')
    );
  }

  private usage(body: FakeChatCompletionsBody, script: FakeResponse) {
    if (script.usage === null) return undefined;
    const usage = script.usage ?? {
      prompt_tokens: (body.messages ?? []).reduce((sum, m) => sum + countWords(m.content), 0),
      completion_tokens: (script.steps ?? []).reduce(
        (sum, s) => sum + ('text' in s ? countWords(s.text) : 'toolCall' in s ? 1 : 0),
        0,
      ),
    };
    return { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
  }

  private sendError(res: ServerResponse, status: number, message: string): void {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: { message, type: 'server_error', code: null } }));
  }
}
