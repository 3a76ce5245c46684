import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/auth.decorators';
import { uuidParam } from '../common/http/uuid-param.pipe';
import { ApiConversationId } from '../conversations/conversations.api';
import { RETRY_AFTER_HEADERS } from '../openapi/common-responses';
import { BackgroundRunsService } from './background-runs.service';
import { RunResponse, StartRunDto } from './dto/background-run.dto';
import { IdempotencyKey } from './run-request.decorators';

/** Runs that go on without a client: start one and go away, read it later or be told by webhook. */
@ApiTags('runs')
@ApiBearerAuth()
@ApiConversationId()
@Controller('conversations/:id/runs')
export class BackgroundRunsController {
  constructor(private readonly runs: BackgroundRunsService) {}

  /** Starts a run in the background: 202 with the run and its `Location`. */
  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Start a run in the background',
    description:
      'Stores the message and starts the run; answers at once. Follow it with GET on its ' +
      '`Location`, the stream and events endpoints, or its `webhook_url`.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Repeating a request with the same key returns the run it started (24 hours).',
    schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
  })
  @ApiAcceptedResponse({
    type: RunResponse,
    headers: { Location: { description: 'The run.', schema: { type: 'string' } } },
  })
  @ApiConflictResponse({
    description: 'A run is already active in this conversation (`run_active`).',
    headers: RETRY_AFTER_HEADERS,
  })
  @ApiUnprocessableEntityResponse({
    description: 'The Idempotency-Key was used for another message.',
  })
  @ApiTooManyRequestsResponse({
    description: 'Rate limited, or too many runs of this user (Retry-After).',
    headers: RETRY_AFTER_HEADERS,
  })
  @ApiServiceUnavailableResponse({ description: 'At capacity, or shutting down (Retry-After).' })
  async start(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam()) id: string,
    @Body() body: StartRunDto,
    @Res({ passthrough: true }) res: Response,
    @IdempotencyKey() key?: string,
  ): Promise<RunResponse> {
    const run = await this.runs.start(user.id, id, body, key);
    res.setHeader('Location', `/api/v1/conversations/${id}/runs/${run.run_id}`);
    return run;
  }

  /** Where the run is; once over, its final message or its error. */
  @Get(':run_id')
  @ApiOperation({ summary: 'Get a run: its status and result' })
  @ApiParam({ name: 'run_id', format: 'uuid' })
  @ApiOkResponse({ type: RunResponse })
  @ApiNotFoundResponse({ description: 'No such run in this conversation (`run_not_found`).' })
  get(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam()) id: string,
    @Param('run_id', uuidParam('run_id')) runId: string,
  ): Promise<RunResponse> {
    return this.runs.get(user.id, id, runId);
  }
}
