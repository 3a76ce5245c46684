import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, QueryFailedError, Repository } from 'typeorm';
import { MessageEntity } from '../conversations/message.entity';
import { RunEntity, type RunStatus } from './run.entity';

/** Hours an Idempotency-Key keeps naming its run. */
export const IDEMPOTENCY_WINDOW_HOURS = 24;

/** Why a run could not be created. */
export type CreateRunConflict = 'active_run' | 'idempotency_key';

/** What {@link RunRepository.startWithUserMessage}'s statement answers. */
interface StartRow {
  run_id: string;
  run_created_at: Date;
  message_id: string;
  message_seq: number;
  message_created_at: Date;
}

/** The conflict a failed run insert reports through its unique index, if it is one. */
function conflictOf(error: unknown): CreateRunConflict | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  const constraint = (error as QueryFailedError & { driverError?: { constraint?: string } })
    .driverError?.constraint;
  if (constraint === 'runs_one_active_per_conversation') return 'active_run';
  if (constraint === 'runs_idempotency_key') return 'idempotency_key';
  return undefined;
}

/** Persistence of the `runs` table. */
@Injectable()
export class RunRepository {
  constructor(@InjectRepository(RunEntity) private readonly runs: Repository<RunEntity>) {}

  /** A key older than the window is free again. */
  private async freeStaleKey(
    manager: EntityManager,
    run: Pick<RunEntity, 'conversationId' | 'userId' | 'idempotencyKey'>,
  ): Promise<void> {
    await manager.query(
      `UPDATE runs SET idempotency_key = NULL
       WHERE user_id = $1 AND conversation_id = $2 AND idempotency_key = $3
         AND created_at < now() - interval '${IDEMPOTENCY_WINDOW_HOURS} hours'`,
      [run.userId, run.conversationId, run.idempotencyKey],
    );
  }

  /**
   * Starts a run and stores its user message in one statement (one round trip, one pooled
   * connection, atomic like a transaction): inserts the running run, bumps the conversation's
   * `message_count` (taking its row lock, so `seq` is handed out as {@link MessagesService.append}
   * does) and inserts the message with that `seq`. The run start used to take a transaction of
   * five round trips; under a burst of new streams, connections held that long starved the pool.
   * The partial unique indexes decide conflicts atomically across every instance: another active
   * run in the conversation, or a reused Idempotency-Key.
   */
  async startWithUserMessage(
    run: Pick<RunEntity, 'conversationId' | 'userId' | 'idempotencyKey' | 'ownerId'>,
    content: string,
  ): Promise<{ run: RunEntity; userMessage: MessageEntity } | CreateRunConflict> {
    if (run.idempotencyKey) await this.freeStaleKey(this.runs.manager, run);
    let rows: StartRow[];
    try {
      rows = await this.runs.query<StartRow[]>(
        `WITH run AS (
           INSERT INTO runs (conversation_id, user_id, idempotency_key, owner_id, status)
           VALUES ($1, $2, $3, $4, 'running')
           RETURNING id, created_at
         ), bumped AS (
           UPDATE conversations SET message_count = message_count + 1, updated_at = now()
           WHERE id = $1 RETURNING message_count
         ), message AS (
           INSERT INTO messages (conversation_id, seq, role, content, status, tokens, run_id)
           SELECT $1, bumped.message_count, 'user', $5, 'complete', 0, run.id FROM bumped, run
           RETURNING id, seq, created_at
         )
         SELECT run.id AS run_id, run.created_at AS run_created_at, message.id AS message_id,
                message.seq AS message_seq, message.created_at AS message_created_at
         FROM run, message`,
        [run.conversationId, run.userId, run.idempotencyKey, run.ownerId, content],
      );
    } catch (error) {
      const conflict = conflictOf(error);
      if (conflict) return conflict;
      throw error;
    }
    const row = rows[0];
    if (!row) throw new Error(`Conversation ${run.conversationId} vanished`);
    return {
      run: this.runs.create({
        ...run,
        id: row.run_id,
        status: 'running',
        lastSeq: 0,
        createdAt: row.run_created_at,
        heartbeatAt: row.run_created_at,
      }),
      userMessage: this.runs.manager.create(MessageEntity, {
        id: row.message_id,
        conversationId: run.conversationId,
        seq: row.message_seq,
        role: 'user',
        content,
        status: 'complete',
        tokens: 0,
        toolCalls: null,
        toolCallId: null,
        toolName: null,
        runId: row.run_id,
        createdAt: row.message_created_at,
      }),
    };
  }

  /** The user's run with this Idempotency-Key in the conversation, within the window. */
  findByIdempotencyKey(
    userId: string,
    conversationId: string,
    key: string,
  ): Promise<RunEntity | null> {
    return this.runs
      .createQueryBuilder('r')
      .where('r.user_id = :userId AND r.conversation_id = :conversationId', {
        userId,
        conversationId,
      })
      .andWhere('r.idempotency_key = :key', { key })
      .andWhere(`r.created_at >= now() - interval '${IDEMPOTENCY_WINDOW_HOURS} hours'`)
      .getOne();
  }

  /** The conversation's most recent run. */
  findLatest(conversationId: string): Promise<RunEntity | null> {
    return this.runs.findOne({
      where: { conversationId },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
  }

  /** The conversation's active run, if any. */
  findActive(conversationId: string): Promise<RunEntity | null> {
    return this.runs.findOneBy({ conversationId, status: 'running' });
  }

  /** One run by id. */
  findById(id: string): Promise<RunEntity | null> {
    return this.runs.findOneBy({ id });
  }

  /** Marks the run finished (inside the transaction that stores its messages and last event). */
  async finish(
    manager: EntityManager,
    runId: string,
    status: Exclude<RunStatus, 'running'>,
    details: { finishReason?: string; errorCode?: string },
  ): Promise<void> {
    await manager.update(
      RunEntity,
      { id: runId },
      {
        status,
        finishReason: details.finishReason ?? null,
        errorCode: details.errorCode ?? null,
        finishedAt: () => 'now()',
      },
    );
  }

  /** Proves the runs executing here are alive (followers elsewhere check `heartbeat_at`). */
  async heartbeat(runIds: string[]): Promise<void> {
    if (runIds.length === 0) return;
    await this.runs.query('UPDATE runs SET heartbeat_at = now() WHERE id = ANY($1::uuid[])', [
      runIds,
    ]);
  }

  /**
   * Claims a run whose owner stopped beating for `staleMs`: marks it failed and returns the seq its
   * closing error event must take, or null when the run is alive or already finished.
   */
  async claimAbandoned(
    manager: EntityManager,
    runId: string,
    staleMs: number,
  ): Promise<number | null> {
    const [rows] = await manager.query<[Array<{ last_seq: number }>, number]>(
      `UPDATE runs SET status = 'failed', error_code = 'run_abandoned', finished_at = now()
       WHERE id = $1 AND status = 'running' AND heartbeat_at < now() - ($2 || ' milliseconds')::interval
       RETURNING last_seq`,
      [runId, String(staleMs)],
    );
    return rows[0] ? rows[0].last_seq + 1 : null;
  }
}
