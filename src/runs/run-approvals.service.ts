import { Inject, Injectable } from '@nestjs/common';
import type { AgentDecision } from '../agent';
import {
  DomainException,
  ErrorCode,
  NotFoundDomainException,
  ValidationFailedException,
} from '../common/errors/domain.exception';
import { streamConfig, type StreamConfig } from '../config';
import { ConversationsService } from '../conversations/conversations.service';
import { DatabaseCalls } from '../database/database-calls';
import type { ApprovalDecisionDto } from './dto/approval.dto';
import { LiveRun, LiveRuns } from './live-runs.registry';
import { RunEventLog } from './run-event-log';
import type { PendingApproval, UnnumberedTerminalEvent } from './run-event.types';
import { RunExecutor } from './run-executor.service';
import type { RunStream } from './run-stream.responder';
import { RunRepository } from './run.repository';

/**
 * Runs paused for approval (human in the loop): a decision continues one, a cancel or the expiry
 * ends one. Whichever instance gets there claims the run in one statement, so each paused run is
 * taken once, and goes on from the agent's checkpoint in PostgreSQL.
 */
@Injectable()
export class RunApprovals {
  constructor(
    private readonly conversations: ConversationsService,
    private readonly repository: RunRepository,
    private readonly log: RunEventLog,
    private readonly live: LiveRuns,
    private readonly executor: RunExecutor,
    private readonly database: DatabaseCalls,
    @Inject(streamConfig.KEY) private readonly stream: StreamConfig,
  ) {}

  /**
   * Continues a run paused for approval with one decision per pending tool call, on this
   * instance (whichever paused it, and even after a restart: the run's state is in its
   * checkpoint), and follows it like a new stream: its events after the pause.
   * @throws 404 unknown run or conversation; 409 the run is not awaiting approval (any more);
   *   400 decisions that do not name each pending call once; 429/503 not admitted now
   */
  async approve(
    userId: string,
    conversationId: string,
    runId: string,
    decisions: readonly ApprovalDecisionDto[],
  ): Promise<RunStream> {
    const pending = await this.database.run(async () => {
      await this.conversations.requireOwned(userId, conversationId);
      const run = await this.repository.findOfConversation(runId, conversationId);
      if (!run) throw new NotFoundDomainException(ErrorCode.RunNotFound, 'Run');
      if (run.status !== 'awaiting_approval') throw notAwaitingApproval();
      return this.repository.pendingApprovals(runId);
    });
    const ordered = orderDecisions(pending, decisions);
    const ticket = await this.live.admit(userId);
    try {
      const lastSeq = await this.database.run(() =>
        this.repository.claimPaused(runId, conversationId, userId, this.log.ownerKey),
      );
      // Another decision, a cancel or the expiry took it first.
      if (lastSeq === null) throw notAwaitingApproval();
      const live = new LiveRun(runId, userId, conversationId);
      this.log.open(runId, live.abort, lastSeq);
      this.live.launch(live, (executing) =>
        this.executor.execute({
          run: executing,
          question: { content: '', history: [] },
          scope: { userId, conversationId, hasHistory: true },
          startedAt: Date.now(),
          decisions: ordered,
        }),
      );
      return {
        runId,
        events: this.log.join(runId, lastSeq),
        clientGone: () => {
          if (this.stream.onDisconnect === 'cancel') this.live.stop(runId, 'client_gone');
        },
      };
    } finally {
      ticket.release();
    }
  }

  /**
   * Ends a paused run with `terminal` (cancelled, or its approval expired) from this instance.
   * @returns false when it was not paused any more (a decision took it first)
   */
  async endPaused(
    runId: string,
    conversationId: string,
    terminal: UnnumberedTerminalEvent,
  ): Promise<boolean> {
    const lastSeq = await this.repository.claimPaused(
      runId,
      conversationId,
      null,
      this.log.ownerKey,
    );
    if (lastSeq === null) return false;
    this.log.open(runId, new AbortController(), lastSeq);
    await this.executor.endPaused(runId, terminal);
    return true;
  }
}

function notAwaitingApproval(): DomainException {
  return new DomainException(
    ErrorCode.RunNotAwaitingApproval,
    409,
    'This run is not waiting for a decision (any more): it went on, ended or expired.',
  );
}

/**
 * The decisions in the order of the pending calls, for the agent.
 * @throws 400 when they do not name each pending call exactly once, or an edit has no arguments
 */
function orderDecisions(
  pending: readonly PendingApproval[],
  decisions: readonly ApprovalDecisionDto[],
): AgentDecision[] {
  const byId = new Map<string, ApprovalDecisionDto>();
  const problems: Array<{ field: string; message: string }> = [];
  decisions.forEach((decision, index) => {
    if (byId.has(decision.tool_call_id)) {
      problems.push({ field: `decisions.${index}.tool_call_id`, message: 'is named twice' });
    }
    byId.set(decision.tool_call_id, decision);
    if (!pending.some((call) => call.tool_call_id === decision.tool_call_id)) {
      problems.push({
        field: `decisions.${index}.tool_call_id`,
        message: 'names no tool call waiting for a decision',
      });
    }
    if ((decision.decision === 'edit') !== (decision.args !== undefined)) {
      problems.push({
        field: `decisions.${index}.args`,
        message: 'must be given with edit, and only with edit',
      });
    }
    if (decision.message !== undefined && decision.decision !== 'reject') {
      problems.push({ field: `decisions.${index}.message`, message: 'goes only with reject' });
    }
  });
  for (const call of pending) {
    if (!byId.has(call.tool_call_id)) {
      problems.push({
        field: 'decisions',
        message: `must decide on tool call ${call.tool_call_id} (${call.tool_name})`,
      });
    }
  }
  if (problems.length > 0) throw new ValidationFailedException(problems);
  return pending.map((call) => {
    const decision = byId.get(call.tool_call_id)!;
    if (decision.decision === 'edit') return { type: 'edit', args: decision.args! };
    if (decision.decision === 'reject') return { type: 'reject', message: decision.message };
    return { type: 'approve' };
  });
}
