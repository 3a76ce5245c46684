import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AuthUser } from '../../auth/auth-user';
import { CurrentUser } from '../../auth/auth.decorators';
import { uuidParam } from '../../common/http/uuid-param.pipe';
import { IdempotencyKey } from '../../runs/run-request.decorators';
import { RunStreamResponder, type StreamProtocol } from '../../runs/run-stream.responder';
import { RunsService } from '../../runs/runs.service';
import { AiSdkChatRequestDto, readChatTurn } from './ai-sdk-chat.request';
import { ApiAiSdkChat, ApiAiSdkResume } from './ai-sdk.api';
import { UI_MESSAGE_STREAM_HEADERS, uiMessageStreamEncoder } from './ui-message-stream.mapper';

const UI_MESSAGE_STREAM: StreamProtocol = {
  headers: UI_MESSAGE_STREAM_HEADERS,
  encoder: uiMessageStreamEncoder,
};

/**
 * The Vercel AI SDK's chat protocol over our runs: `useChat` with its default transport pointed
 * at `/api/v1/ai-sdk/chat`, the chat id being a conversation id. The same runs, events and
 * resume as `POST /conversations/{id}/stream`, in the UI message stream's framing.
 */
@ApiTags('protocols')
@ApiBearerAuth()
@Controller('ai-sdk/chat')
export class AiSdkChatController {
  constructor(
    private readonly runs: RunsService,
    private readonly responder: RunStreamResponder,
  ) {}

  /** Starts a run on the chat's new user message and streams it as a UI message stream. */
  @Post()
  @ApiAiSdkChat()
  chat(
    @CurrentUser() user: AuthUser,
    @Body() body: AiSdkChatRequestDto,
    @Req() req: Request,
    @Res() res: Response,
    @IdempotencyKey() key?: string,
  ): Promise<void> {
    const turn = readChatTurn(body);
    return this.responder.respond(
      req,
      res,
      user.id,
      () => this.runs.startStream(user.id, body.id, turn.content, key ?? turn.idempotencyKey),
      UI_MESSAGE_STREAM,
    );
  }

  /** The run in progress, from its start (the SDK replays the message); 204 when there is none. */
  @Get(':id/stream')
  @ApiAiSdkResume()
  resume(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam()) id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.responder.respond(
      req,
      res,
      user.id,
      () => this.runs.resume(user.id, id, undefined, { activeOnly: true }),
      UI_MESSAGE_STREAM,
    );
  }
}
