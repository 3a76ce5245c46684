import { Injectable } from '@nestjs/common';
import { ErrorCode, NotFoundDomainException } from '../common/errors/domain.exception';
import { ConversationsService } from '../conversations/conversations.service';
import { MessageResponse } from '../conversations/dto/conversation.response';
import { MessagesService } from '../conversations/messages.service';
import { DatabaseCalls } from '../database/database-calls';
import { WebhookUrlPolicy } from '../webhooks';
import type { RunResponse, StartRunDto } from './dto/background-run.dto';
import { RunRepository } from './run.repository';
import { RunsService } from './runs.service';

/**
 * Runs started by callers that do not wait (servers, long tool loops): `start` answers as soon as
 * the run is stored, the run goes on with no client attached (as every run does), and its end is
 * reported to its `webhook_url`; `get` tells where a run is and, once over, how it ended.
 */
@Injectable()
export class BackgroundRunsService {
  constructor(
    private readonly runs: RunsService,
    private readonly repository: RunRepository,
    private readonly conversations: ConversationsService,
    private readonly messages: MessagesService,
    private readonly webhooks: WebhookUrlPolicy,
    private readonly database: DatabaseCalls,
  ) {}

  /**
   * Checks the webhook URL (400 when refused), then starts the run like every other route
   * (Idempotency-Key, 404, 409, 429, 503 as `RunsService.start`).
   */
  async start(
    userId: string,
    conversationId: string,
    body: StartRunDto,
    idempotencyKey?: string,
  ): Promise<RunResponse> {
    const webhookUrl =
      body.webhook_url === undefined ? undefined : await this.webhooks.check(body.webhook_url);
    const { runId } = await this.runs.start(userId, conversationId, body.content, idempotencyKey, {
      webhookUrl,
    });
    return this.get(userId, conversationId, runId);
  }

  /** The run of the user's conversation (404 for another user's, or an unknown one). */
  get(userId: string, conversationId: string, runId: string): Promise<RunResponse> {
    return this.database.run(async () => {
      await this.conversations.requireOwned(userId, conversationId);
      const found = await this.repository.findWithEnd(conversationId, runId);
      if (!found) throw new NotFoundDomainException(ErrorCode.RunNotFound, 'Run');
      const { run, terminal } = found;
      const answer =
        terminal?.type === 'complete_state'
          ? await this.messages.findOne(conversationId, { id: terminal.message_id })
          : run.status === 'completed' || run.status === 'cancelled'
            ? await this.messages.findLast(conversationId, { runId, role: 'assistant' })
            : null;
      return {
        run_id: run.id,
        conversation_id: run.conversationId,
        status: run.status,
        finish_reason: run.finishReason,
        message: answer ? MessageResponse.from(answer) : null,
        error:
          run.status === 'failed'
            ? {
                code: run.errorCode ?? 'internal_error',
                message: terminal?.type === 'error' ? terminal.message : null,
                retryable: terminal?.type === 'error' ? terminal.retryable : null,
              }
            : null,
        webhook_url: run.webhookUrl,
        last_seq: run.lastSeq,
        events_available: run.eventsDeletedAt === null,
        created_at: run.createdAt.toISOString(),
        finished_at: run.finishedAt?.toISOString() ?? null,
      };
    });
  }
}
