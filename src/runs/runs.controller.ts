import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/auth.decorators';
import {
  DomainException,
  ErrorCode,
  ValidationFailedException,
} from '../common/errors/domain.exception';
import { uuidParam } from '../common/http/uuid-param.pipe';
import { streamConfig, type StreamConfig } from '../config';
import { StreamMetrics, type StreamObservation } from '../metrics';
import { MessageResponse } from '../conversations/dto/conversation.response';
import { UseCircuitBreaker } from '../resilience';
import {
  type EventStreamWriter,
  negotiateStreamFormat,
  parseEventId,
  StreamRegistry,
} from '../streaming';
import {
  CancelResponse,
  EventsQueryDto,
  EventsResponse,
  ResumeQueryDto,
  RunResultResponse,
  SendMessageDto,
  StreamQueryDto,
} from './dto/run.dto';
import { httpErrorForRun } from './run-http-errors';
import { pipeRunToWriter } from './stream-pipe';
import { RunsService } from './runs.service';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** Sending messages to the agent: one whole answer, or the answer as a live stream. */
@ApiTags('runs')
@ApiBearerAuth()
@Controller('conversations/:id')
export class RunsController {
  constructor(
    private readonly runs: RunsService,
    private readonly streams: StreamRegistry,
    @Inject(streamConfig.KEY) private readonly config: StreamConfig,
    private readonly metrics: StreamMetrics,
  ) {}

  /** Runs the agent on the message and answers with the stored messages once it is done. */
  @Post('messages')
  @HttpCode(201)
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiCreatedResponse({ type: RunResultResponse })
  @ApiConflictResponse({ description: 'A run is already active in this conversation.' })
  @ApiServiceUnavailableResponse({ description: 'The model is unavailable (Retry-After).' })
  async send(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam()) id: string,
    @Body() body: SendMessageDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<RunResultResponse> {
    const key = checkKey(idempotencyKey);
    // A repeated key may name a run answered before the circuit opened: let it through.
    if (!key) await this.runs.assertCanAnswer(user.id, id, body.content);
    const { runId } = await this.runs.start(user.id, id, body.content, key);
    const terminal = await this.runs.result(runId);
    if (terminal.type === 'error') throw httpErrorForRun(terminal);
    const [userMessage, answer] = await Promise.all([
      this.runs.userMessageOf(id, runId),
      this.runs.message(id, terminal.message_id),
    ]);
    if (!userMessage || !answer) throw new Error(`Run ${runId} has no stored messages`);
    return {
      user_message: MessageResponse.from(userMessage),
      assistant_message: MessageResponse.from(answer),
      usage: {
        input_tokens: terminal.usage.input_tokens,
        output_tokens: terminal.usage.output_tokens,
        estimated: terminal.usage.estimated ?? false,
      },
    };
  }

  /** Runs the agent on the message and streams the run (SSE, or NDJSON on request). */
  @Post('stream')
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiProduces('text/event-stream', 'application/x-ndjson')
  @ApiOkResponse({ description: 'The run as a stream of events.' })
  @ApiConflictResponse({ description: 'A run is already active in this conversation.' })
  @ApiServiceUnavailableResponse({ description: 'Too many open streams, or shutting down.' })
  async stream(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam()) id: string,
    @Body() body: SendMessageDto,
    @Query() query: StreamQueryDto,
    @Req() req: Request,
    @Res() res: Response,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<void> {
    const format = negotiateStreamFormat(req.headers.accept, query.format);
    const slot = this.streams.tryAcquire();
    if (!slot) throw streamsUnavailable();
    // Started before the run, so the first-event latency includes storing the user message.
    const observation = this.metrics.streamStarted();
    let runId: string;
    try {
      ({ runId } = await this.runs.start(user.id, id, body.content, checkKey(idempotencyKey)));
    } catch (error) {
      slot.release();
      observation.completed('refused');
      throw error;
    }
    await this.pipe(runId, 0, slot.open(res, format), observation);
  }

  /**
   * Replays the latest run after `Last-Event-ID` (or `?last_event_id=`), then follows it live to its
   * end, from any instance. 204 when there is nothing left to send.
   */
  @Get('stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false })
  @ApiProduces('text/event-stream', 'application/x-ndjson')
  @ApiOkResponse({ description: 'The rest of the latest run as a stream of events.' })
  @ApiNoContentResponse({ description: 'Nothing left to send.' })
  async resume(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam()) id: string,
    @Query() query: ResumeQueryDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const header = req.headers['last-event-id'];
    const raw = (Array.isArray(header) ? header[0] : header) ?? query.last_event_id;
    const position = parseEventId(raw);
    if (raw !== undefined && raw !== '' && !position) {
      throw new ValidationFailedException([
        { field: 'Last-Event-ID', message: 'must be <run_id>:<seq>' },
      ]);
    }
    const run = await this.runs.latest(user.id, id);
    const after = run && position?.runId === run.id ? position.seq : 0;
    if (!run || (run.status !== 'running' && after >= run.lastSeq)) {
      res.status(204).end();
      return;
    }
    const slot = this.streams.tryAcquire();
    if (!slot) throw streamsUnavailable();
    const observation = this.metrics.streamStarted();
    await this.pipe(
      run.id,
      after,
      slot.open(res, negotiateStreamFormat(req.headers.accept, query.format)),
      observation,
    );
  }

  /** Stops the active run; it ends with `complete_state` (`finish_reason: cancelled`). */
  @Post('cancel')
  @HttpCode(202)
  @UseCircuitBreaker('database')
  @ApiAcceptedResponse({ type: CancelResponse })
  @ApiConflictResponse({ description: 'No run is active.' })
  cancel(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam()) id: string,
  ): Promise<CancelResponse> {
    return this.runs.cancel(user.id, id);
  }

  /** Polling fallback: the latest run's stored events after `after` (all without it). */
  @Get('events')
  @UseCircuitBreaker('database')
  @ApiOkResponse({ type: EventsResponse })
  async events(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam()) id: string,
    @Query() query: EventsQueryDto,
  ): Promise<EventsResponse> {
    const run = await this.runs.latest(user.id, id);
    if (!run) return { events: [], done: true };
    const position = parseEventId(query.after);
    const after = position?.runId === run.id ? position.seq : 0;
    const events = await this.runs.storedEvents(run.id, after);
    const last = events.at(-1);
    const done =
      run.status !== 'running' &&
      (last ? last.type === 'complete_state' || last.type === 'error' : after >= run.lastSeq);
    return { events, done };
  }

  private async pipe(
    runId: string,
    afterSeq: number,
    writer: EventStreamWriter,
    observation: StreamObservation,
  ): Promise<void> {
    const { feed, backlogUntil } = this.runs.follow(runId, afterSeq);
    void writer.closed.then((reason) => {
      observation.completed(reason);
      if (reason === 'client_gone' && this.config.onDisconnect === 'cancel') {
        this.runs.stopLocal(runId, 'client_gone');
      }
    });
    await pipeRunToWriter(feed, writer, backlogUntil, (event) => {
      observation.event(event.type);
      if (event.type === 'message_chunk') observation.tokens(event.tokens);
    });
  }
}

function checkKey(key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new ValidationFailedException([
      { field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' },
    ]);
  }
  return key;
}

function streamsUnavailable(): DomainException {
  return new DomainException(
    ErrorCode.ServiceUnavailable,
    503,
    'The server cannot take another stream now; retry shortly or use GET .../events.',
    { headers: { 'Retry-After': '1' } },
  );
}
