import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, In, QueryFailedError, Repository } from 'typeorm';
import { preparedQuery } from '../database/prepared-query';
import {
  appendUserMessageSql,
  HISTORY_MAX_MESSAGES,
  historySql,
  type HistoryMessage,
} from '../conversations/message.sql';
import { buildStatement, type SqlPart } from '../database/sql-part';
import { WebhookOutbox } from '../webhooks';
import { RUN_EVENTS_CHANNEL } from './run-event.store';
import { type PendingApproval, RUN_ABANDONED, type TerminalRunEvent } from './run-event.types';
import { RunEntity } from './run.entity';

/** Hours an Idempotency-Key keeps naming its run. */
export const IDEMPOTENCY_WINDOW_HOURS = 24;

/** Why a run could not be created. */
export type StartConflict = 'not_found' | 'active_run' | 'idempotency_key';

/**
 * What a run answers: a new user message following the active leaf (`send`), a new user message
 * beside an earlier one, with the same parent (`edit`), or an earlier user message again, the one
 * `messageId` names or the one an answer of it follows (`regenerate`).
 */
export type RunTarget =
  | { kind: 'send' }
  | { kind: 'edit'; messageId: string }
  | { kind: 'regenerate'; messageId: string };

/** What a run needs to start. */
export interface NewRun {
  target: RunTarget;
  conversationId: string;
  userId: string;
  idempotencyKey: string | null;
  /** Fingerprint of the request, to tell a retry from another request reusing its key. */
  requestHash: string | null;
  ownerId: string;
  /** The new user message (unused by `regenerate`, which answers a stored one). */
  content: string;
  contentTokens: number;
  /** Where the run's end is reported (checked by `WebhookUrlPolicy`); null: the default, if any. */
  webhookUrl?: string | null;
}

/** A run just started, its user message, and the conversation before it (the agent's input). */
export interface StartedRunRow {
  runId: string;
  createdAt: Date;
  message: { id: string; seq: number; createdAt: Date };
  /** The text of the user message the run answers. */
  question: string;
  /** The conversation has no title and the user chose none: the run names it. */
  untitled: boolean;
  history: HistoryMessage[];
}

/** Whether the conversation (`$1`) has no title and no title is wanted by the user: one is made. */
const UNTITLED = `(SELECT c.title IS NULL AND c.title_source IS NULL FROM conversations c WHERE c.id = $1)`;

/** The run's row, inserted only into a conversation the user owns (the rows of `from`). */
const INSERT_RUN = (from: string, userMessage: string, webhookUrl: string) => `run AS (
    INSERT INTO runs (conversation_id, user_id, idempotency_key, request_hash, owner_id, status,
                      user_message_id, webhook_url)
    SELECT c.id, c.user_id, $3, $4, $5, 'running', ${userMessage}, ${webhookUrl} FROM ${from}
    RETURNING id, created_at
  )`;

/**
 * Starts a run with its user message in one statement (one round trip, atomic): the run is inserted
 * only into a conversation the user owns, and the message (`$8`, its id chosen by the caller) takes
 * the conversation's next seq and becomes its active leaf; it answers the branch the message
 * follows, the run's history. `send`: the message follows the active leaf. `edit`: it follows the
 * parent of the user message `$9` (nothing is inserted when `$9` is not a user message of the
 * conversation). The partial unique indexes decide conflicts atomically across every instance:
 * another active run in the conversation, or a reused Idempotency-Key.
 */
function startStatement(kind: 'send' | 'edit'): string {
  const edited =
    kind === 'edit'
      ? `edited AS (
    SELECT m.parent_id FROM messages m WHERE m.id = $9 AND m.conversation_id = $1 AND m.role = 'user'
  ), `
      : '';
  const parent = kind === 'edit' ? '(SELECT parent_id FROM edited)' : 'c.active_leaf_id';
  const from =
    kind === 'edit'
      ? `conversations c WHERE c.id = $1 AND c.user_id = $2 AND EXISTS (SELECT 1 FROM edited)`
      : `conversations c WHERE c.id = $1 AND c.user_id = $2`;
  return `
  WITH ${edited}parent AS (
    SELECT ${parent} AS id FROM conversations c WHERE c.id = $1 AND c.user_id = $2
  ), ${INSERT_RUN(from, '$8::uuid', kind === 'edit' ? '$10' : '$9')},
  ${appendUserMessageSql({ id: '$8', conversationId: '$1', parentId: '(SELECT id FROM parent)', content: '$6', tokens: '$7', runId: 'run.id', from: 'run' })}
  SELECT run.id AS run_id, run.created_at, message.id AS message_id, message.seq,
         message.created_at AS message_created_at, $6::text AS question, ${UNTITLED} AS untitled,
         (${historySql('$1', '(SELECT id FROM parent)')}) AS history
  FROM run, message`;
}

/**
 * Starts a run that answers a stored user message again (`regenerate`), in one statement: `$6`
 * names the user message, or a message of its answer (the nearest user message above it is the one
 * answered). The message becomes the active leaf, so the new answer will be the branch shown; the
 * earlier answer stays, as a sibling. No message is added; the history is the branch above it.
 */
const START_REGENERATE = `
  WITH RECURSIVE up AS (
    SELECT m.id, m.parent_id, m.role, 1 AS depth FROM messages m
    WHERE m.id = $6 AND m.conversation_id = $1
    UNION ALL
    SELECT p.id, p.parent_id, p.role, up.depth + 1 FROM messages p JOIN up ON p.id = up.parent_id
    WHERE up.role <> 'user' AND up.depth < ${HISTORY_MAX_MESSAGES}
  ), target AS (
    SELECT m.id, m.parent_id, m.seq, m.content, m.created_at FROM messages m
    WHERE m.id = (SELECT id FROM up WHERE role = 'user' LIMIT 1)
  ), ${INSERT_RUN(
    'conversations c, target WHERE c.id = $1 AND c.user_id = $2',
    'target.id',
    '$7',
  )}, leaf AS (
    UPDATE conversations SET active_leaf_id = (SELECT id FROM target), updated_at = now()
    WHERE id = $1 AND EXISTS (SELECT 1 FROM run)
  )
  SELECT run.id AS run_id, run.created_at, target.id AS message_id, target.seq,
         target.created_at AS message_created_at, target.content AS question,
         ${UNTITLED} AS untitled,
         (${historySql('$1', '(SELECT parent_id FROM target)')}) AS history
  FROM run, target`;

const START = { send: startStatement('send'), edit: startStatement('edit') };

/**
 * Closes every running run whose owner holds no lock any more (its process is gone; see
 * `RunNotificationsService`): status `failed`, and a retryable `run_abandoned` error stored as its
 * terminal event at the first free seq, announced to followers, with its webhook notification.
 * Safe on every instance at once: the row lock makes each run closed once.
 */
function closeAbandonedSql(webhook: (source: string) => SqlPart): SqlPart {
  return (param) => {
    const code = `${param(RUN_ABANDONED.code)}::text`;
    const message = `${param(RUN_ABANDONED.message)}::text`;
    return `
  WITH live_owners AS (
    SELECT ((classid::bigint << 32) | objid::bigint)::text AS owner_id FROM pg_locks
    WHERE locktype = 'advisory' AND objsubid = 1 AND granted
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
  ), closed AS (
    UPDATE runs SET status = 'failed', error_code = ${code}, finished_at = now(),
                    last_seq = last_seq + 1
    WHERE status = 'running' AND owner_id NOT IN (SELECT owner_id FROM live_owners)
    RETURNING id, last_seq, conversation_id, user_id, webhook_url
  ), terminal AS (
    SELECT id, last_seq, conversation_id, user_id, webhook_url,
           json_build_object('type', 'error', 'run_id', id, 'seq', last_seq,
                             'code', ${code}, 'message', ${message}, 'retryable', true) AS event
    FROM closed
  ), stored AS (
    INSERT INTO run_events (run_id, seq, type, payload)
    SELECT id, last_seq, 'error', event FROM terminal
    RETURNING run_id, seq
  ), ended_run AS (
    SELECT id AS run_id, conversation_id, user_id, webhook_url, 'failed'::text AS status, event
    FROM terminal
  ), webhook AS (
    ${webhook('ended_run')(param)}
  )
  SELECT pg_notify('${RUN_EVENTS_CHANNEL}', run_id::text || ':' || seq) FROM stored`;
  };
}

/** The constraint a failed start ran into, if it is one of ours. */
function conflictOf(error: unknown): StartConflict | undefined {
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
  constructor(
    @InjectRepository(RunEntity) private readonly runs: Repository<RunEntity>,
    private readonly webhooks: WebhookOutbox,
  ) {}

  /** Starts a run and stores its user message, on `manager`'s connection; see {@link START}. */
  async start(manager: EntityManager, run: NewRun): Promise<StartedRunRow | StartConflict> {
    let rows: Array<{
      run_id: string;
      created_at: Date;
      message_id: string;
      seq: number;
      message_created_at: Date;
      question: string;
      untitled: boolean;
      history: HistoryMessage[];
    }>;
    const { target } = run;
    const common = [
      run.conversationId,
      run.userId,
      run.idempotencyKey,
      run.requestHash,
      run.ownerId,
    ];
    const webhookUrl = run.webhookUrl ?? null;
    try {
      // Prepared: planning this statement cost more than running it.
      rows =
        target.kind === 'regenerate'
          ? await preparedQuery(manager, START_REGENERATE, [
              ...common,
              target.messageId,
              webhookUrl,
            ])
          : await preparedQuery(manager, START[target.kind], [
              ...common,
              run.content,
              run.contentTokens,
              randomUUID(),
              ...(target.kind === 'edit' ? [target.messageId] : []),
              webhookUrl,
            ]);
    } catch (error) {
      const conflict = conflictOf(error);
      if (conflict) return conflict;
      throw error;
    }
    const row = rows[0];
    if (!row) return 'not_found';
    return {
      runId: row.run_id,
      createdAt: row.created_at,
      message: { id: row.message_id, seq: row.seq, createdAt: row.message_created_at },
      question: row.question,
      untitled: row.untitled,
      history: row.history,
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

  /** Frees a key older than the window, so that it may name a new run. */
  async freeStaleKey(userId: string, conversationId: string, key: string): Promise<void> {
    await this.runs.query(
      `UPDATE runs SET idempotency_key = NULL
       WHERE user_id = $1 AND conversation_id = $2 AND idempotency_key = $3
         AND created_at < now() - interval '${IDEMPOTENCY_WINDOW_HOURS} hours'`,
      [userId, conversationId, key],
    );
  }

  /** A run of the conversation by its id. */
  findOfConversation(runId: string, conversationId: string): Promise<RunEntity | null> {
    return this.runs.findOneBy({ id: runId, conversationId });
  }

  /** The conversation's most recent run. */
  findLatest(conversationId: string): Promise<RunEntity | null> {
    return this.runs.findOne({
      where: { conversationId },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
  }

  /** A run of the conversation with its terminal event, if it still has it. */
  async findWithEnd(
    conversationId: string,
    runId: string,
  ): Promise<{ run: RunEntity; terminal: TerminalRunEvent | null } | null> {
    const run = await this.runs.findOneBy({ id: runId, conversationId });
    if (!run) return null;
    const rows = await this.runs.query<Array<{ payload: TerminalRunEvent }>>(
      `SELECT payload FROM run_events
       WHERE run_id = $1 AND seq = $2 AND type IN ('complete_state', 'error')`,
      [runId, run.lastSeq],
    );
    return { run, terminal: rows[0]?.payload ?? null };
  }

  /** Whether the run is one of the conversation's. */
  exists(conversationId: string, runId: string): Promise<boolean> {
    return this.runs.existsBy({ id: runId, conversationId });
  }

  /** The conversation's active run (running, or paused for approval), if any. */
  findActive(conversationId: string): Promise<RunEntity | null> {
    return this.runs.findOneBy({ conversationId, status: In(['running', 'awaiting_approval']) });
  }

  /**
   * Takes a paused run for `ownerId` to continue (or end): it is `running` again, as this owner's,
   * atomically, so that of two instances given decisions at once only one goes on.
   * @returns its last stored seq, or null when it is not paused (any more) or not this user's
   */
  async claimPaused(
    runId: string,
    conversationId: string,
    userId: string | null,
    ownerId: string,
  ): Promise<number | null> {
    const rows = await this.runs.query<Array<{ last_seq: number }>>(
      `WITH claimed AS (
         UPDATE runs SET status = 'running', owner_id = $4, awaiting_since = NULL
         WHERE id = $1 AND conversation_id = $2 AND ($3::varchar IS NULL OR user_id = $3)
           AND status = 'awaiting_approval'
         RETURNING last_seq
       )
       SELECT last_seq FROM claimed`,
      [runId, conversationId, userId, ownerId],
    );
    return rows[0]?.last_seq ?? null;
  }

  /**
   * The tool calls a paused run waits for: its `approval_required` events after the last event
   * of another kind than those the pause wrote (`tool_call` and `approval_required`), in order.
   */
  pendingApprovals(runId: string): Promise<PendingApproval[]> {
    return this.runs.query<PendingApproval[]>(
      `SELECT payload->>'tool_call_id' AS tool_call_id, payload->>'tool_name' AS tool_name,
              payload->'args' AS args
       FROM run_events
       WHERE run_id = $1 AND type = 'approval_required'
         AND seq > (SELECT coalesce(max(seq), 0) FROM run_events
                    WHERE run_id = $1 AND type NOT IN ('tool_call', 'approval_required'))
       ORDER BY seq`,
      [runId],
    );
  }

  /** Paused runs that have waited longer than `timeoutMs`, a bounded number at a time. */
  async findExpiredPauses(timeoutMs: number, limit = 100): Promise<RunEntity[]> {
    return this.runs
      .createQueryBuilder('r')
      .where(`r.status = 'awaiting_approval'`)
      .andWhere(`r.awaiting_since < now() - make_interval(secs => :seconds)`, {
        seconds: timeoutMs / 1000,
      })
      .orderBy('r.awaiting_since')
      .limit(limit)
      .getMany();
  }

  /** Closes the runs whose process died; see {@link closeAbandonedSql}. Answers how many. */
  async closeAbandoned(): Promise<number> {
    const statement = buildStatement(
      closeAbandonedSql((source) => this.webhooks.enqueueRunEnd(source)),
    );
    const rows = await this.runs.query<unknown[]>(statement.text, statement.values);
    return rows.length;
  }
}
