import { Http, type HttpSettings } from './http.js';
import { RunStream, type SendStreamOptions, type StreamOptions } from './run-stream.js';
import type {
  ActiveBranch,
  ApprovalDecision,
  AwaitingApproval,
  CancelResult,
  Conversation,
  ConversationSearchHit,
  EventsPage,
  Message,
  Page,
  Run,
  RunResult,
  StreamToken,
} from './types.js';

/** Settings of {@link AgentClient}. */
export type AgentClientOptions = HttpSettings;

/** A page request. */
export interface PageQuery {
  limit?: number;
  cursor?: string;
}

/** Fields of a conversation that a caller sets. */
export interface ConversationInput {
  title?: string | null;
  metadata?: Record<string, unknown>;
}

/** Options of {@link AgentClient.startRun}. */
export interface StartRunOptions extends SendOptions {
  /** Where the server POSTs the run's end (Standard Webhooks, signed). */
  webhookUrl?: string;
}

/** Options of {@link AgentClient.send}. */
export interface SendOptions {
  /** Sent as `Idempotency-Key`; a new random one when absent. Reuse it to retry the same send. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/**
 * The agent server's API. Every request carries the bearer token; 429 and 503 answers are retried
 * after their `Retry-After` (at most `maxRetries` times); error answers throw `AgentApiError`.
 *
 * ```ts
 * const client = new AgentClient({ baseUrl: 'https://agents.example.com', token });
 * const conversation = await client.createConversation({ title: 'Trip' });
 * for await (const event of client.stream(conversation.id, 'Hello')) {
 *   if (event.type === 'message_chunk') process.stdout.write(event.content);
 * }
 * ```
 */
export class AgentClient {
  private readonly http: Http;

  constructor(options: AgentClientOptions) {
    this.http = new Http(options);
  }

  /** `POST /conversations` */
  createConversation(input: ConversationInput = {}, signal?: AbortSignal): Promise<Conversation> {
    return this.http.json({
      method: 'POST',
      path: '/conversations',
      body: input,
      signal,
      safeToRepeat: false,
    });
  }

  /** `GET /conversations`, newest first. */
  listConversations(query: PageQuery = {}, signal?: AbortSignal): Promise<Page<Conversation>> {
    return this.http.json({
      method: 'GET',
      path: `/conversations${pageQuery(query)}`,
      signal,
      safeToRepeat: true,
    });
  }

  /**
   * `GET /conversations?q=`: full-text search over the caller's conversations (titles and
   * messages), best first, each with a highlighted `snippet`. `q` is web search syntax
   * (`"a phrase"`, `or`, `-word`); at most 200 characters.
   */
  searchConversations(
    q: string,
    query: PageQuery = {},
    signal?: AbortSignal,
  ): Promise<Page<ConversationSearchHit>> {
    return this.http.json({
      method: 'GET',
      path: `/conversations${pageQuery(query, { q })}`,
      signal,
      safeToRepeat: true,
    });
  }

  /** `GET /conversations/{id}` */
  getConversation(id: string, signal?: AbortSignal): Promise<Conversation> {
    return this.http.json({
      method: 'GET',
      path: conversationPath(id),
      signal,
      safeToRepeat: true,
    });
  }

  /** `PATCH /conversations/{id}` */
  updateConversation(
    id: string,
    input: ConversationInput,
    signal?: AbortSignal,
  ): Promise<Conversation> {
    return this.http.json({
      method: 'PATCH',
      path: conversationPath(id),
      body: input,
      signal,
      safeToRepeat: true,
    });
  }

  /** `DELETE /conversations/{id}`: its messages and runs go too. */
  async deleteConversation(id: string, signal?: AbortSignal): Promise<void> {
    await this.http.send({
      method: 'DELETE',
      path: conversationPath(id),
      signal,
      safeToRepeat: true,
    });
  }

  /** `GET /conversations/{id}/messages`, oldest first. */
  listMessages(id: string, query: PageQuery = {}, signal?: AbortSignal): Promise<Page<Message>> {
    return this.http.json({
      method: 'GET',
      path: `${conversationPath(id)}/messages${pageQuery(query)}`,
      signal,
      safeToRepeat: true,
    });
  }

  /**
   * `POST /conversations/{id}/messages`: one whole run, answered once it is over. Carries an
   * Idempotency-Key, so a retry after a network failure returns the same run instead of a second.
   */
  send(
    id: string,
    content: string,
    options: SendOptions = {},
  ): Promise<RunResult | AwaitingApproval> {
    return this.http.json({
      method: 'POST',
      path: `${conversationPath(id)}/messages`,
      body: { content },
      headers: { 'Idempotency-Key': options.idempotencyKey ?? newIdempotencyKey() },
      signal: options.signal,
      safeToRepeat: true,
    });
  }

  /**
   * `POST /conversations/{id}/stream`: sends the message and answers the run's events as they
   * come (see {@link RunStream}: resumed after a drop, polled when streaming is broken).
   */
  stream(id: string, content: string, options: SendStreamOptions = {}): RunStream {
    const idempotencyKey = options.idempotencyKey ?? newIdempotencyKey();
    return new RunStream(
      this.http,
      { kind: 'send', conversationId: id, content, idempotencyKey },
      options,
    );
  }

  /**
   * `POST /conversations/{id}/messages/{messageId}/edit`: stores `content` as a new version of the
   * user message `messageId` (the earlier one stays, as a sibling), shows its branch, and streams
   * the run answering it (resumed after a drop as {@link stream} is).
   */
  edit(id: string, messageId: string, content: string, options: SendStreamOptions = {}): RunStream {
    const idempotencyKey = options.idempotencyKey ?? newIdempotencyKey();
    return new RunStream(
      this.http,
      { kind: 'edit', conversationId: id, messageId, content, idempotencyKey },
      options,
    );
  }

  /**
   * `POST /conversations/{id}/messages/{messageId}/regenerate`: streams a new answer to the user
   * message `messageId` (or to the question an answer `messageId` answers); the earlier answer
   * stays, as a sibling.
   */
  regenerate(id: string, messageId: string, options: SendStreamOptions = {}): RunStream {
    const idempotencyKey = options.idempotencyKey ?? newIdempotencyKey();
    return new RunStream(
      this.http,
      { kind: 'regenerate', conversationId: id, messageId, idempotencyKey },
      options,
    );
  }

  /**
   * `PUT /conversations/{id}/active-branch`: shows the branch through `messageId` (one of a
   * message's `sibling_ids`); {@link listMessages} then answers that branch.
   */
  switchBranch(id: string, messageId: string, signal?: AbortSignal): Promise<ActiveBranch> {
    return this.http.json({
      method: 'PUT',
      path: `${conversationPath(id)}/active-branch`,
      body: { message_id: messageId },
      signal,
      safeToRepeat: true,
    });
  }

  /**
   * `POST /conversations/{id}/runs`: starts a run that goes on with no client attached (follow it
   * with {@link resume} or {@link getRun}; its end is POSTed to `webhookUrl` when given).
   */
  startRun(id: string, content: string, options: StartRunOptions = {}): Promise<Run> {
    return this.http.json({
      method: 'POST',
      path: `${conversationPath(id)}/runs`,
      body:
        options.webhookUrl === undefined
          ? { content }
          : { content, webhook_url: options.webhookUrl },
      headers: { 'Idempotency-Key': options.idempotencyKey ?? newIdempotencyKey() },
      signal: options.signal,
      safeToRepeat: true,
    });
  }

  /** `GET /conversations/{id}/runs/{runId}`: where the run is and, once over, how it ended. */
  getRun(id: string, runId: string, signal?: AbortSignal): Promise<Run> {
    return this.http.json({
      method: 'GET',
      path: `${conversationPath(id)}/runs/${encodeURIComponent(runId)}`,
      signal,
      safeToRepeat: true,
    });
  }

  /**
   * `GET /conversations/{id}/stream`: the conversation's latest run after `lastEventId` (all of it
   * without), then live to its end; e.g. to pick up an answer after a page reload. Ends at once
   * when there is nothing to stream.
   */
  resume(id: string, options: StreamOptions = {}): RunStream {
    return new RunStream(this.http, { kind: 'follow', conversationId: id }, options);
  }

  /**
   * `POST /conversations/{id}/runs/{runId}/approvals`: decides on the tool calls a paused run
   * waits for (its `approval_required` events) and streams the rest of the run. The decisions are
   * sent once; after a drop the run is followed from the last event delivered (pass
   * `lastEventId`, the `approval_required` event's id, to resume exactly even before the first).
   */
  approve(
    id: string,
    runId: string,
    decisions: ApprovalDecision[],
    options: StreamOptions = {},
  ): RunStream {
    return new RunStream(
      this.http,
      { kind: 'approve', conversationId: id, runId, decisions },
      options,
    );
  }

  /** `POST /conversations/{id}/cancel`: stops the active run (409 `no_active_run` if none). */
  cancel(id: string, signal?: AbortSignal): Promise<CancelResult> {
    return this.http.json({
      method: 'POST',
      path: `${conversationPath(id)}/cancel`,
      signal,
      safeToRepeat: true,
    });
  }

  /** `GET /conversations/{id}/events`: the latest run's stored events after `after`. */
  events(id: string, after?: string, signal?: AbortSignal): Promise<EventsPage> {
    const query = after ? `?after=${encodeURIComponent(after)}` : '';
    return this.http.json({
      method: 'GET',
      path: `${conversationPath(id)}/events${query}`,
      signal,
      safeToRepeat: true,
    });
  }

  /** `POST /conversations/{id}/stream-tokens`: a short-lived token for `EventSource` URLs. */
  createStreamToken(id: string, signal?: AbortSignal): Promise<StreamToken> {
    return this.http.json({
      method: 'POST',
      path: `${conversationPath(id)}/stream-tokens`,
      signal,
      safeToRepeat: true,
    });
  }
}

function conversationPath(id: string): string {
  return `/conversations/${encodeURIComponent(id)}`;
}

function pageQuery(query: PageQuery, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams(extra);
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  if (query.cursor !== undefined) params.set('cursor', query.cursor);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** A random Idempotency-Key (a UUID v4). */
export function newIdempotencyKey(): string {
  const cryptoApi = globalThis.crypto;
  // randomUUID needs a secure context in browsers (https, localhost); getRandomValues does not.
  if (typeof cryptoApi.randomUUID === 'function') return cryptoApi.randomUUID();
  const bytes = cryptoApi.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
