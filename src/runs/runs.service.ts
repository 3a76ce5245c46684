import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { appConfig, type AppConfig } from '../config';
import { LifecycleService } from '../lifecycle';
import { CircuitBreakerRegistry } from '../resilience';
import { StreamRegistry } from '../streaming';
import {
  DomainException,
  ErrorCode,
  ValidationFailedException,
} from '../common/errors/domain.exception';
import { ConversationsService } from '../conversations/conversations.service';
import type { MessageEntity } from '../conversations/message.entity';
import { MessagesService } from '../conversations/messages.service';
import { EventFeed } from './event-feed';
import { LiveRun } from './live-run';
import { RunEventBatcher } from './run-event.batcher';
import { RunEventStore } from './run-event.store';
import { isTerminal, type RunEvent, type TerminalRunEvent } from './run-event.types';
import { RunExecutor } from './run-executor.service';
import { RunFollower } from './run-follower.service';
import { RUN_CANCEL_CHANNEL, RunNotificationsService } from './run-notifications.service';
import type { RunEntity } from './run.entity';
import { RunRepository } from './run.repository';
import { ResponseCache } from './response-cache';

/** How often this process proves its runs are alive (followers elsewhere read `heartbeat_at`). */
const HEARTBEAT_MS = 5000;

/** A run as the caller of `start` sees it. */
export interface StartedRun {
  runId: string;
  /** True when an Idempotency-Key named a run that already existed: no new run was started. */
  replayed: boolean;
}

/**
 * Agent runs: one active run per conversation, each independent of the HTTP connection that asked
 * for it. A run executes in this process and publishes events; any number of subscribers (the
 * stream that started it, resumed streams, pollers, other instances through Postgres) follow it.
 */
@Injectable()
export class RunsService implements OnModuleInit, OnApplicationShutdown {
  /** Identifies this process as the owner of the runs it executes. */
  readonly instanceId = randomUUID();
  private readonly logger = new Logger('Runs');
  private readonly live = new Map<string, LiveRun>();
  private heartbeat?: NodeJS.Timeout;
  private draining = false;

  constructor(
    private readonly conversations: ConversationsService,
    private readonly messages: MessagesService,
    private readonly runs: RunRepository,
    private readonly store: RunEventStore,
    private readonly eventWriter: RunEventBatcher,
    private readonly executor: RunExecutor,
    private readonly follower: RunFollower,
    private readonly notifications: RunNotificationsService,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    private readonly lifecycle: LifecycleService,
    private readonly streams: StreamRegistry,
    private readonly breakers: CircuitBreakerRegistry,
    private readonly cache: ResponseCache,
  ) {}

  /** Starts the heartbeat of the runs executing here, and joins the graceful shutdown. */
  onModuleInit(): void {
    // On SIGTERM: refuse new runs and streams at once, let runs finish within the grace period,
    // stop the rest (they end with a retryable server_shutdown error), then end the streams still
    // open (followers of runs elsewhere) without a final event, so their clients resume elsewhere.
    this.lifecycle.registerDrainParticipant('runs', async ({ deadline }) => {
      this.streams.startDraining();
      await this.drain(deadline);
      await this.streams.closeAll(undefined, Math.max(deadline - Date.now(), 1000));
    });
    this.heartbeat = setInterval(() => {
      this.runs.heartbeat([...this.live.keys()]).catch((error: unknown) => {
        this.logger.warn(`Run heartbeat failed: ${String(error)}`);
      });
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Number of runs executing in this process. */
  get activeCount(): number {
    return this.live.size;
  }

  /**
   * Stores the user message and starts a run in the background. With an Idempotency-Key that
   * already names a run of this user and conversation, returns that run instead.
   * @throws 404 unknown conversation, 400 content too long, 409 a run is active, 503 draining
   */
  async start(
    userId: string,
    conversationId: string,
    content: string,
    idempotencyKey?: string,
  ): Promise<StartedRun> {
    const startedAt = Date.now();
    await this.conversations.requireOwned(userId, conversationId);
    if (content.length > this.config.maxMessageChars) {
      throw new ValidationFailedException([
        { field: 'content', message: `must be at most ${this.config.maxMessageChars} characters` },
      ]);
    }
    if (idempotencyKey) {
      const existing = await this.runs.findByIdempotencyKey(userId, conversationId, idempotencyKey);
      if (existing) return { runId: existing.id, replayed: true };
    }
    if (this.draining) throw shuttingDown();

    // Under the `database` breaker: a failing database answers 503 at once instead of piling up.
    const created = await this.breakers.execute('database', () =>
      this.runs.startWithUserMessage(
        {
          conversationId,
          userId,
          idempotencyKey: idempotencyKey ?? null,
          ownerId: this.instanceId,
        },
        content,
      ),
    );
    if (created === 'active_run') {
      throw new DomainException(
        ErrorCode.RunActive,
        409,
        'A run is already active in this conversation; wait for it to end or cancel it.',
      );
    }
    if (created === 'idempotency_key') {
      // Another request with the same key won the race: answer with its run.
      const existing = await this.runs.findByIdempotencyKey(
        userId,
        conversationId,
        idempotencyKey!,
      );
      if (existing) return { runId: existing.id, replayed: true };
      throw new DomainException(ErrorCode.Conflict, 409, 'The Idempotency-Key is in use.');
    }
    this.launch(created.run, created.userMessage, startedAt);
    return { runId: created.run.id, replayed: false };
  }

  /**
   * For answers that are not streamed: with the `llm` circuit open and no cached answer to this
   * question, refuse at once (503, Retry-After) rather than store a message that cannot be answered.
   */
  async assertCanAnswer(userId: string, conversationId: string, content: string): Promise<void> {
    const llm = this.breakers.get('llm');
    if (llm.state !== 'OPEN') return;
    const conversation = await this.conversations.requireOwned(userId, conversationId);
    const scope = { userId, conversationId, hasHistory: conversation.messageCount > 0 };
    if (this.cache.get(scope, content) !== undefined) return;
    const next = llm.nextAttemptAt();
    const seconds = Math.max(1, Math.ceil(((next ?? Date.now() + 1000) - Date.now()) / 1000));
    throw new DomainException(
      ErrorCode.LlmUnavailable,
      503,
      'The language model is unavailable right now; retry after the time in Retry-After.',
      { headers: { 'Retry-After': String(seconds) } },
    );
  }

  /**
   * The run's events after `afterSeq`, live until its terminal event: from memory when the run
   * executes here, else from storage. `backlogUntil` is the last seq that already existed (a
   * replay); from storage everything counts as backlog, as it is read in batches anyway.
   */
  follow(runId: string, afterSeq: number): { feed: EventFeed<RunEvent>; backlogUntil: number } {
    const live = this.live.get(runId);
    if (!live) {
      return { feed: this.follower.follow(runId, afterSeq), backlogUntil: Number.MAX_SAFE_INTEGER };
    }
    const feed: EventFeed<RunEvent> = new EventFeed(() => unsubscribe());
    const backlogUntil = live.events.at(-1)?.seq ?? 0;
    const unsubscribe = live.subscribe(afterSeq, (event) => {
      feed.push(event);
      if (isTerminal(event)) feed.end();
    });
    return { feed, backlogUntil };
  }

  /** Waits for the run's terminal event. */
  async result(runId: string): Promise<TerminalRunEvent> {
    const live = this.live.get(runId);
    if (live) return live.finished;
    for await (const event of this.follower.follow(runId, 0)) {
      if (isTerminal(event)) return event;
    }
    throw new Error(`Run ${runId} ended without a terminal event`);
  }

  /** The user's conversation's latest run, or null. */
  async latest(userId: string, conversationId: string): Promise<RunEntity | null> {
    await this.conversations.requireOwned(userId, conversationId);
    return this.runs.findLatest(conversationId);
  }

  /** The stored events of a run after `afterSeq`. */
  storedEvents(runId: string, afterSeq: number): Promise<RunEvent[]> {
    return this.store.readAfter(runId, afterSeq, 10_000);
  }

  /** A stored message of the conversation (the answer a `complete_state` points at). */
  message(conversationId: string, messageId: string): Promise<MessageEntity | null> {
    return this.messages.findOne(conversationId, { id: messageId });
  }

  /** The user message that started a run. */
  userMessageOf(conversationId: string, runId: string): Promise<MessageEntity | null> {
    return this.messages.findOne(conversationId, { runId, role: 'user' });
  }

  /**
   * Asks the conversation's active run to stop; it ends with `complete_state`
   * (`finish_reason: cancelled`) and its partial text stored. Works from any instance.
   * @throws 409 when no run is active
   */
  async cancel(
    userId: string,
    conversationId: string,
  ): Promise<{ run_id: string; status: 'cancelling' }> {
    await this.conversations.requireOwned(userId, conversationId);
    const run = await this.runs.findActive(conversationId);
    if (!run) {
      throw new DomainException(
        ErrorCode.NoActiveRun,
        409,
        'No run is active in this conversation.',
      );
    }
    const live = this.live.get(run.id);
    if (live) live.stop('user');
    else await this.notifications.notify(RUN_CANCEL_CHANNEL, `${run.id}:cancel`);
    return { run_id: run.id, status: 'cancelling' };
  }

  /** Stops the run if it executes here (a client left and the policy says cancel). */
  stopLocal(runId: string, reason: 'client_gone'): void {
    this.live.get(runId)?.stop(reason);
  }

  /** Refuses new runs from now on (graceful shutdown). */
  startDraining(): void {
    this.draining = true;
  }

  /**
   * Lets the runs executing here finish until `deadline` (epoch ms), then stops the rest: they end
   * with an `error` event `server_shutdown` (retryable) and their partial answers stored.
   */
  async drain(deadline: number): Promise<void> {
    this.startDraining();
    const all = () => Promise.all([...this.live.values()].map((run) => run.finished));
    const timeLeft = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const finishedInTime = await Promise.race([
      all().then(() => true),
      new Promise<boolean>(
        (resolve) => (timer = setTimeout(() => resolve(false), Math.max(timeLeft, 0))),
      ),
    ]);
    clearTimeout(timer);
    if (finishedInTime) return;
    for (const run of this.live.values()) run.stop('server_shutdown');
    await all();
  }

  /** Stops the heartbeat; runs still here are ended as on a drain with no time left. */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.drain(Date.now());
  }

  private launch(run: RunEntity, userMessage: MessageEntity, startedAt: number): void {
    const live = new LiveRun(run.id, run.conversationId, this.eventWriter);
    this.live.set(run.id, live);
    const stopCancelListener = this.notifications.subscribe(RUN_CANCEL_CHANNEL, run.id, () =>
      live.stop('user'),
    );
    const scope = {
      userId: run.userId,
      conversationId: run.conversationId,
      hasHistory: userMessage.seq > 1,
    };
    void this.executor.execute({ live, userMessage, startedAt, scope }).finally(() => {
      stopCancelListener();
      this.live.delete(run.id);
    });
  }
}

function shuttingDown(): DomainException {
  return new DomainException(
    ErrorCode.ServiceUnavailable,
    503,
    'The server is shutting down; retry on another instance.',
    {
      headers: { 'Retry-After': '1' },
    },
  );
}
