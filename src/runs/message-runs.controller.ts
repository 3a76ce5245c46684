import { Body, Controller, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AuthUser } from '../auth/auth-user';
import { AcceptsStreamToken, CurrentUser } from '../auth/auth.decorators';
import { uuidParam } from '../common/http/uuid-param.pipe';
import { ApiConversationId } from '../conversations/conversations.api';
import type { StreamEventId } from '../streaming';
import { SendMessageDto, StreamQueryDto } from './dto/run.dto';
import { ApiEdit, ApiRegenerate } from './message-runs.api';
import { IdempotencyKey, LastEventId } from './run-request.decorators';
import { RunStreamResponder } from './run-stream.responder';
import { RunsService } from './runs.service';

/**
 * Runs that answer an earlier message of the conversation: an edited question, or a question
 * answered again. Streamed as `POST .../stream` is; the messages they add are siblings of earlier
 * ones (see `GET .../messages`).
 */
@ApiTags('runs')
@ApiBearerAuth()
@ApiConversationId()
@Controller('conversations/:id/messages/:message_id')
export class MessageRunsController {
  constructor(
    private readonly runs: RunsService,
    private readonly responder: RunStreamResponder,
  ) {}

  /** Stores the edited question beside the earlier one and streams the run answering it. */
  @Post('edit')
  @AcceptsStreamToken()
  @ApiEdit()
  edit(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam()) id: string,
    @Param('message_id', uuidParam('message_id')) messageId: string,
    @Body() body: SendMessageDto,
    @Query() _query: StreamQueryDto,
    @Req() req: Request,
    @Res() res: Response,
    @IdempotencyKey() key?: string,
    @LastEventId() position?: StreamEventId,
  ): Promise<void> {
    return this.responder.respond(req, res, user.id, () =>
      this.runs.startStream(user.id, id, body.content, key, position, { kind: 'edit', messageId }),
    );
  }

  /** Streams a new run answering the same question; the earlier answer stays as a sibling. */
  @Post('regenerate')
  @AcceptsStreamToken()
  @ApiRegenerate()
  regenerate(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam()) id: string,
    @Param('message_id', uuidParam('message_id')) messageId: string,
    @Query() _query: StreamQueryDto,
    @Req() req: Request,
    @Res() res: Response,
    @IdempotencyKey() key?: string,
    @LastEventId() position?: StreamEventId,
  ): Promise<void> {
    return this.responder.respond(req, res, user.id, () =>
      this.runs.startStream(user.id, id, '', key, position, { kind: 'regenerate', messageId }),
    );
  }
}
