import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AuthUser } from '../../auth/auth-user';
import { CurrentUser } from '../../auth/auth.decorators';
import { RunStreamResponder } from '../../runs/run-stream.responder';
import { RunsService } from '../../runs/runs.service';
import { agUiStreamEncoder } from './ag-ui-events.mapper';
import { ApiAgUiRun } from './ag-ui.api';
import { AgUiRunInputDto, readAgUiMessage } from './ag-ui-run.request';

/**
 * AG-UI over our runs: `HttpAgent` posts a `RunAgentInput` whose `threadId` is a conversation and
 * reads the run as AG-UI events. The same runs and events as `POST /conversations/{id}/stream`.
 */
@ApiTags('protocols')
@ApiBearerAuth()
@Controller('ag-ui')
export class AgUiController {
  constructor(
    private readonly runs: RunsService,
    private readonly responder: RunStreamResponder,
  ) {}

  /**
   * Starts a run on the input's new user message and streams it; the client's `runId` is the
   * idempotency key, so a retried request streams the same run from its start.
   */
  @Post()
  @ApiAgUiRun()
  run(
    @CurrentUser() user: AuthUser,
    @Body() input: AgUiRunInputDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const content = readAgUiMessage(input);
    const ids = { threadId: input.threadId, runId: input.runId };
    return this.responder.respond(
      req,
      res,
      user.id,
      () => this.runs.startStream(user.id, input.threadId, content, `ag-ui:${input.runId}`),
      { encoder: () => agUiStreamEncoder(ids) },
    );
  }
}
