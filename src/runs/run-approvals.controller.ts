import { Body, Controller, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AuthUser } from '../auth/auth-user';
import { AcceptsStreamToken, CurrentUser } from '../auth/auth.decorators';
import { uuidParam } from '../common/http/uuid-param.pipe';
import { ApiConversationId } from '../conversations/conversations.api';
import { ApprovalsDto } from './dto/approval.dto';
import { StreamQueryDto } from './dto/run.dto';
import { RunStreamResponder } from './run-stream.responder';
import { ApiApprove } from './runs.api';
import { RunApprovals } from './run-approvals.service';

/** Human in the loop: decisions on the tool calls a paused run waits for. */
@ApiTags('runs')
@ApiBearerAuth()
@ApiConversationId()
@Controller('conversations/:id/runs/:run_id')
export class RunApprovalsController {
  constructor(
    private readonly approvals: RunApprovals,
    private readonly responder: RunStreamResponder,
  ) {}

  /** Decides on the pending tool calls, and streams the rest of the run. */
  @Post('approvals')
  @AcceptsStreamToken()
  @ApiApprove()
  approve(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam()) id: string,
    @Param('run_id', uuidParam('run_id')) runId: string,
    @Body() body: ApprovalsDto,
    @Query() _query: StreamQueryDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.responder.respond(req, res, user.id, () =>
      this.approvals.approve(user.id, id, runId, body.decisions),
    );
  }
}
