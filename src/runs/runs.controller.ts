import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AuthUser } from '../auth/auth-user';
import { AcceptsStreamToken, CurrentUser } from '../auth/auth.decorators';
import { uuidParam } from '../common/http/uuid-param.pipe';
import { ApiConversationId } from '../conversations/conversations.api';
import type { AwaitingApprovalResponse } from './dto/approval.dto';
import {
  CancelResponse,
  EventsQueryDto,
  EventsResponse,
  ResumeQueryDto,
  RunResultResponse,
  SendMessageDto,
  StreamQueryDto,
} from './dto/run.dto';
import { IdempotencyKey, LastEventId } from './run-request.decorators';
import { ApiCancel, ApiEvents, ApiResume, ApiSend, ApiStream } from './runs.api';
import { RunStreamResponder } from './run-stream.responder';
import { RunsService } from './runs.service';
import { parseEventId, type StreamEventId } from '../streaming';

/** Sending messages to the agent: one whole answer, or the answer as a live stream. */
@ApiTags('runs')
@ApiBearerAuth()
@ApiConversationId()
@Controller('conversations/:id')
export class RunsController {
  constructor(
    private readonly runs: RunsService,
    private readonly responder: RunStreamResponder,
  ) {}

  /** Runs the agent on the message and answers with the stored messages once it is done. */
  @Post('messages')
  @HttpCode(201)
  @ApiSend()
  async send(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam()) id: string,
    @Body() body: SendMessageDto,
    @Res({ passthrough: true }) res: Response,
    @IdempotencyKey() key?: string,
  ): Promise<RunResultResponse | AwaitingApprovalResponse> {
    const answer = await this.runs.answer(user.id, id, body.content, key);
    if ('status' in answer) res.status(202);
    return answer;
  }

  /** Runs the agent on the message and streams the run (SSE, or NDJSON on request). */
  @Post('stream')
  @AcceptsStreamToken()
  @ApiStream()
  stream(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam()) id: string,
    @Body() body: SendMessageDto,
    @Query() _query: StreamQueryDto,
    @Req() req: Request,
    @Res() res: Response,
    @IdempotencyKey() key?: string,
    @LastEventId() position?: StreamEventId,
  ): Promise<void> {
    return this.responder.respond(req, res, user.id, () =>
      this.runs.startStream(user.id, id, body.content, key, position),
    );
  }

  /** Replays the latest run after `Last-Event-ID`, then follows it live to its end (204: nothing left). */
  @Get('stream')
  @AcceptsStreamToken()
  @ApiResume()
  resume(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam()) id: string,
    @Query() _query: ResumeQueryDto,
    @Req() req: Request,
    @Res() res: Response,
    @LastEventId() position?: StreamEventId,
  ): Promise<void> {
    return this.responder.respond(req, res, user.id, () => this.runs.resume(user.id, id, position));
  }

  /** Stops the active run; it ends with `complete_state` (`finish_reason: cancelled`). */
  @Post('cancel')
  @HttpCode(202)
  @ApiCancel()
  cancel(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam()) id: string,
  ): Promise<CancelResponse> {
    return this.runs.cancel(user.id, id);
  }

  /** Polling fallback: the latest run's stored events after `after` (all without it). */
  @Get('events')
  @ApiEvents()
  events(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam()) id: string,
    @Query() query: EventsQueryDto,
  ): Promise<EventsResponse> {
    return this.runs.events(user.id, id, parseEventId(query.after));
  }
}
