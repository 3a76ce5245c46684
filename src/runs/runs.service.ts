import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  DomainException,
  ErrorCode,
  NotFoundDomainException,
  ValidationFailedException,
} from '../common/errors/domain.exception';
import { retryAfterHeaders } from '../common/http/retry-after';
import { appConfig, type AppConfig, streamConfig, type StreamConfig } from '../config';
import { countTokens } from '../agent';
import { ConversationsService } from '../conversations/conversations.service';
import { MessageResponse } from '../conversations/dto/conversation.response';
import { MessagesService } from '../conversations/messages.service';
import { DatabaseCalls } from '../database/database-calls';
import type { StreamEventId } from '../streaming';
import type { AwaitingApprovalResponse } from './dto/approval.dto';
import type { EventsResponse, RunResultResponse } from './dto/run.dto';
import { LiveRun, LiveRuns } from './live-runs.registry';
import { RunApprovals } from './run-approvals.service';
import { RunEventLog } from './run-event-log';
import { isTerminal, type RunSettlement, type UnnumberedTerminalEvent } from './run-event.types';
import { RunExecutor } from './run-executor.service';
import { resyncFor, resyncStream } from './run-resync';
import type { RunEntity } from './run.entity';
import { httpErrorForRun } from './run-http-errors';
import type { RunStream } from './run-stream.responder';
import {
  type NewRun,
  RunRepository,
  type RunTarget,
  type StartConflict,
  type StartedRunRow,
} from './run.repository';

/** A run as the caller of `start` sees it. */
export interface StartedRun {
  runId: string;
  /** True when an Idempotency-Key named a run that already existed: no new run was started. */
  replayed: boolean;
}

/** The most stored events `GET .../events` answers with at once (the contract allows 10,000). */
const EVENTS_PAGE = 1000;

/**
 * Agent runs: one active run per conversation, each independent of the HTTP connection that asked
 * for it. `start` stores the user message and the run in one statement and hands the run to the
 * executor in this process; everything else reads the run through its event log, from any
 * instance.
 */
@Injectable()
export class RunsService {
  constructor(
    private readonly conversations: ConversationsService,
    private readonly messages: MessagesService,
    private readonly repository: RunRepository,
    private readonly log: RunEventLog,
    private readonly live: LiveRuns,
    private readonly executor: RunExecutor,
    private readonly database: DatabaseCalls,
    private readonly approvals: RunApprovals,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
    @Inject(streamConfig.KEY) private readonly stream: StreamConfig,
  ) {}

  /**
   * Stores the user message and starts a run in the background. With an Idempotency-Key that
   * already names a run of this user and conversation, returns that run instead (422 when the key
   * came with another message).
   * `target` says what the run answers: a new message (the default), an edit of a user message, or
   * a user message answered again (see {@link RunTarget}).
   * @throws 400 content too long, 404 unknown conversation or message, 409 a run is active,
   *   429/503 not admitted now (see {@link LiveRuns.admit})
   */
  async start(
    userId: string,
    conversationId: string,
    content: string,
    idempotencyKey?: string,
    options: { webhookUrl?: string; target?: RunTarget } = {},
  ): Promise<StartedRun> {
    const startedAt = Date.now();
    const target = options.target ?? { kind: 'send' };
    if (target.kind !== 'regenerate' && content.length > this.app.maxMessageChars) {
      throw new ValidationFailedException([
        { field: 'content', message: `must be at most ${this.app.maxMessageChars} characters` },
      ]);
    }
    const ticket = await this.live.admit(userId);
    try {
      const run: NewRun = {
        target,
        conversationId,
        userId,
        idempotencyKey: idempotencyKey ?? null,
        requestHash: idempotencyKey ? fingerprint(target, content) : null,
        ownerId: this.log.ownerKey,
        content,
        // Counted once, when stored: every later run reads the count with the history.
        contentTokens: countTokens(content),
        webhookUrl: options.webhookUrl ?? null,
      };
      let started = await this.insert(run);
      if (started === 'idempotency_key' || (started === 'active_run' && idempotencyKey)) {
        const existing = await this.replay(run);
        if (existing) return existing;
        // The key is older than its window: free it and start afresh.
        await this.repository.freeStaleKey(userId, conversationId, idempotencyKey!);
        started = await this.insert(run);
      }
      if (started === 'not_found') throw await this.notFound(run);
      if (started === 'active_run' || started === 'idempotency_key') {
        // Names the run in the way, so that the client can follow it (GET .../stream) or cancel it.
        const active = await this.repository.findActive(conversationId);
        throw new DomainException(
          ErrorCode.RunActive,
          409,
          'A run is already active in this conversation; wait for it to end or cancel it.',
          { headers: retryAfterHeaders(1000), extensions: { run_id: active?.id ?? null } },
        );
      }
      this.launch(run, started, startedAt);
      return { runId: started.runId, replayed: false };
    } finally {
      ticket.release();
    }
  }

  /**
   * Starts a run and follows it, for `POST .../stream`. A repeated request (same Idempotency-Key)
   * with the `Last-Event-ID` of that run continues after that event instead of replaying it all.
   */
  async startStream(
    userId: string,
    conversationId: string,
    content: string,
    idempotencyKey?: string,
    lastEventId?: StreamEventId,
    target?: RunTarget,
  ): Promise<RunStream> {
    const { runId, replayed } = await this.start(userId, conversationId, content, idempotencyKey, {
      target,
    });
    const afterSeq = replayed && lastEventId?.runId === runId ? lastEventId.seq : 0;
    return {
      runId,
      events: this.log.join(runId, afterSeq),
      clientGone: () => {
        if (this.stream.onDisconnect === 'cancel') this.live.stop(runId, 'client_gone');
      },
    };
  }

  /**
   * Follows the conversation's latest run after `position` (from its start when the position names
   * another run), for `GET .../stream`; null when nothing is left to send. `activeOnly`: null
   * unless the latest run is still running (protocols whose resume means "the stream in progress").
   */
  async resume(
    userId: string,
    conversationId: string,
    position?: StreamEventId,
    options: { activeOnly?: boolean } = {},
  ): Promise<RunStream | null> {
    await this.conversations.requireOwned(userId, conversationId);
    const run = await this.repository.findLatest(conversationId);
    const resync = await this.resync(conversationId, run, position);
    if (resync) return { runId: resync.run_id, events: resyncStream(resync), clientGone: () => {} };
    const after = run && position?.runId === run.id ? position.seq : 0;
    if (!run || (run.status !== 'running' && (options.activeOnly || after >= run.lastSeq))) {
      return null;
    }
    return { runId: run.id, events: this.log.join(run.id, after), clientGone: () => undefined };
  }

  /**
   * Runs the agent on a message and answers once it is done, for `POST .../messages`. With the
   * `llm` circuit open and no cached answer of this user to this question, refuses at once (503,
   * Retry-After) rather than store a message that cannot be answered; a repeated Idempotency-Key
   * may name a run answered before the circuit opened, so it goes through.
   */
  async answer(
    userId: string,
    conversationId: string,
    content: string,
    idempotencyKey?: string,
  ): Promise<RunResultResponse | AwaitingApprovalResponse> {
    if (!idempotencyKey && this.executor.llmCircuitOpen) {
      const conversation = await this.conversations.requireOwned(userId, conversationId);
      const scope = { userId, conversationId, hasHistory: conversation.messageCount > 0 };
      const check = this.executor.canAnswer(scope, content);
      if (!check.ok) {
        throw new DomainException(
          ErrorCode.LlmUnavailable,
          503,
          'The language model is unavailable right now; retry after the time in Retry-After.',
          { headers: retryAfterHeaders(check.retryAfterMs) },
        );
      }
    }
    const { runId } = await this.start(userId, conversationId, content, idempotencyKey);
    const terminal = await this.result(runId);
    if (terminal.type === 'paused') {
      return { run_id: runId, status: 'awaiting_approval', approvals: terminal.approvals };
    }
    if (terminal.type === 'error') throw httpErrorForRun(terminal);
    const [userMessage, answer] = await Promise.all([
      this.messages.findOne(conversationId, { runId, role: 'user' }),
      this.messages.findOne(conversationId, { id: terminal.message_id }),
    ]);
    if (!userMessage || !answer) throw new Error(`Run ${runId} has no stored messages`);
    return {
      user_message: MessageResponse.from(userMessage),
      assistant_message: MessageResponse.from(answer),
      usage: {
        input_tokens: terminal.usage.input_tokens,
        output_tokens: terminal.usage.output_tokens,
        estimated: terminal.usage.estimated ?? false,
      },
    };
  }

  /**
   * The latest run's stored events after `position` (all of them when it names another run), for
   * `GET .../events`; `done` once no event will follow them.
   */
  events(
    userId: string,
    conversationId: string,
    position?: StreamEventId,
  ): Promise<EventsResponse> {
    return this.database.run(async () => {
      await this.conversations.requireOwned(userId, conversationId);
      const run = await this.repository.findLatest(conversationId);
      const resync = await this.resync(conversationId, run, position);
      if (resync) {
        throw new DomainException(ErrorCode.ResyncRequired, 410, resync.message, {
          extensions: { run_id: resync.run_id, seq: resync.seq, reason: resync.reason },
        });
      }
      if (!run) return { events: [], done: true };
      const after = position?.runId === run.id ? position.seq : 0;
      const page = await this.log.read(run.id, after, EVENTS_PAGE);
      return { events: page.events, done: !page.running && page.events.length < EVENTS_PAGE };
    });
  }

  /**
   * Asks the conversation's active run to stop, wherever it executes; it ends with
   * `complete_state` (`finish_reason: cancelled`) and its partial text stored.
   * @throws 409 when no run is active
   */
  async cancel(
    userId: string,
    conversationId: string,
  ): Promise<{ run_id: string; status: 'cancelling' }> {
    const run = await this.database.run(async () => {
      await this.conversations.requireOwned(userId, conversationId);
      return this.repository.findActive(conversationId);
    });
    if (!run) {
      throw new DomainException(
        ErrorCode.NoActiveRun,
        409,
        'No run is active in this conversation.',
      );
    }
    // A paused run executes nowhere: it is ended here, unless a decision took it meanwhile.
    if (
      run.status !== 'awaiting_approval' ||
      !(await this.approvals.endPaused(
        run.id,
        conversationId,
        cancelledWhilePaused(conversationId),
      ))
    ) {
      await this.live.cancel(run.id);
    }
    return { run_id: run.id, status: 'cancelling' };
  }

  /** The `resync_required` event for a client at `position`, if it cannot resume; see {@link resyncFor}. */
  private resync(conversationId: string, latest: RunEntity | null, position?: StreamEventId) {
    return resyncFor(latest, position, () =>
      this.repository.exists(conversationId, position!.runId),
    );
  }

  /** Waits for the run's stored terminal event, or its pause for approval. */
  private async result(runId: string): Promise<RunSettlement> {
    const live = this.live.get(runId);
    if (live) return live.done;
    for await (const event of this.log.join(runId)) if (isTerminal(event)) return event;
    const approvals = await this.repository.pendingApprovals(runId);
    if (approvals.length > 0) return { type: 'paused', run_id: runId, approvals };
    throw new Error(`Run ${runId} ended without a terminal event`);
  }

  /**
   * Starts the run under the `database` breaker (a failing database answers 503 at once), timed
   * from when it has a connection: a burst waiting for the pool is not a failing database.
   */
  private insert(run: NewRun): Promise<StartedRunRow | StartConflict> {
    return this.database.onConnection((manager) => this.repository.start(manager, run));
  }

  /** The run an Idempotency-Key already names, if any (422 if it was another request). */
  private async replay(run: NewRun): Promise<StartedRun | undefined> {
    const existing = await this.repository.findByIdempotencyKey(
      run.userId,
      run.conversationId,
      run.idempotencyKey!,
    );
    if (!existing) return undefined;
    if (existing.requestHash !== null && existing.requestHash !== run.requestHash) {
      throw new DomainException(
        ErrorCode.IdempotencyKeyReused,
        422,
        'This Idempotency-Key was used for another message; use a new key for a new message.',
      );
    }
    return { runId: existing.id, replayed: true };
  }

  /**
   * Why a run could not start: the conversation is not the user's (404), or the message an edit or
   * a regenerate names is not one of the conversation (404) or, for an edit, not a user message
   * (400). Read only on this error path, so the start stays one statement.
   */
  private async notFound(run: NewRun): Promise<DomainException> {
    await this.conversations.requireOwned(run.userId, run.conversationId);
    const { target } = run;
    const message =
      target.kind === 'send'
        ? null
        : await this.messages.findOne(run.conversationId, { id: target.messageId });
    if (message && target.kind === 'edit' && message.role !== 'user') {
      return new ValidationFailedException([
        { field: 'message_id', message: 'must name a user message; only questions are edited' },
      ]);
    }
    return new NotFoundDomainException(ErrorCode.MessageNotFound, 'Message');
  }

  private launch(run: NewRun, started: StartedRunRow, startedAt: number): void {
    const live = new LiveRun(started.runId, run.userId, run.conversationId);
    this.log.open(started.runId, live.abort);
    this.live.launch(live, (executing) =>
      this.executor.execute({
        run: executing,
        question: { content: started.question, history: started.history },
        scope: {
          userId: run.userId,
          conversationId: run.conversationId,
          hasHistory: started.history.length > 0,
        },
        nameConversation: started.untitled,
        startedAt,
      }),
    );
  }
}

/** How a run paused for approval ends when its user cancels it. */
function cancelledWhilePaused(conversationId: string): UnnumberedTerminalEvent {
  return {
    type: 'complete_state',
    message: '',
    message_id: '',
    conversation_id: conversationId,
    total_tokens: 0,
    usage: { input_tokens: 0, output_tokens: 0, estimated: false },
    finish_reason: 'cancelled',
    degraded: false,
    duration_ms: 0,
  };
}

/** What tells two requests apart under one Idempotency-Key (a new message: its text alone). */
function fingerprint(target: RunTarget, content: string): string {
  const hash = createHash('sha256');
  if (target.kind === 'regenerate') hash.update(`regenerate\u0000${target.messageId}`);
  else if (target.kind === 'edit') hash.update(`edit\u0000${target.messageId}\u0000${content}`);
  else hash.update(content);
  return hash.digest('hex');
}
