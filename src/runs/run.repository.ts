import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, QueryFailedError, Repository } from 'typeorm';
import { RunEntity, type RunStatus } from './run.entity';

/** Hours an Idempotency-Key keeps naming its run. */
export const IDEMPOTENCY_WINDOW_HOURS = 24;

/** Why a run could not be created. */
export type CreateRunConflict = 'active_run' | 'idempotency_key';

/** Persistence of the `runs` table. */
@Injectable()
export class RunRepository {
  constructor(@InjectRepository(RunEntity) private readonly runs: Repository<RunEntity>) {}

  /**
   * Inserts a running run. The partial unique indexes decide conflicts atomically across every
   * instance: another active run in the conversation, or a reused Idempotency-Key.
   */
  async create(
    manager: EntityManager,
    run: Pick<RunEntity, 'conversationId' | 'userId' | 'idempotencyKey' | 'ownerId'>,
  ): Promise<RunEntity | CreateRunConflict> {
    if (run.idempotencyKey) {
      // A key older than the window is free again.
      await manager.query(
        `UPDATE runs SET idempotency_key = NULL
         WHERE user_id = $1 AND conversation_id = $2 AND idempotency_key = $3
           AND created_at < now() - interval '${IDEMPOTENCY_WINDOW_HOURS} hours'`,
        [run.userId, run.conversationId, run.idempotencyKey],
      );
    }
    try {
      return await manager.save(
        RunEntity,
        manager.create(RunEntity, { ...run, status: 'running' }),
      );
    } catch (error) {
      const constraint = (error as QueryFailedError & { driverError?: { constraint?: string } })
        .driverError?.constraint;
      if (error instanceof QueryFailedError && constraint === 'runs_one_active_per_conversation') {
        return 'active_run';
      }
      if (error instanceof QueryFailedError && constraint === 'runs_idempotency_key') {
        return 'idempotency_key';
      }
      throw error;
    }
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
