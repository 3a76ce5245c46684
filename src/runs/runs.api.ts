import { applyDecorators } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiParam,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTooManyRequestsResponse,
  ApiUnprocessableEntityResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { CREATED_LOCATION_HEADER, CreatedLocation } from '../common/http/created-location';
import { RETRY_AFTER_HEADERS } from '../openapi/common-responses';
import { AwaitingApprovalResponse } from './dto/approval.dto';
import { CancelResponse, EventsResponse, RunResultResponse } from './dto/run.dto';

// The OpenAPI description of the runs routes, kept apart so that the controller reads as what it
// does.

export const idempotencyKey = ApiHeader({
  name: 'Idempotency-Key',
  required: false,
  description: 'Repeating a request with the same key returns the run it started (24 hours).',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
});
export const lastEventId = ApiHeader({
  name: 'Last-Event-ID',
  required: false,
  description: '`<run_id>:<seq>` of the last event the client has.',
  schema: { type: 'string', pattern: '^[0-9a-fA-F-]{36}:\\d{1,10}$' },
});
export const runActive = ApiConflictResponse({
  description: 'A run is already active in this conversation (`run_active`).',
  headers: RETRY_AFTER_HEADERS,
});
export const keyReused = ApiUnprocessableEntityResponse({
  description: 'The Idempotency-Key was used for another message.',
});
export const tooMany = ApiTooManyRequestsResponse({
  description: 'Rate limited, or too many runs or streams of this user (Retry-After).',
  headers: RETRY_AFTER_HEADERS,
});

/** A 200 stream of events, in both of its formats. */
export const eventStream = (description: string) =>
  ApiOkResponse({
    description:
      `${description} SSE (the default): each event is \`id: <run_id>:<seq>\`, \`event: <type>\`, ` +
      '`data: <RunEvent JSON>`. NDJSON (`Accept: application/x-ndjson` or `?format=ndjson`): one ' +
      'RunStreamLine per line. The last event is a `complete_state` or an `error`.',
    content: {
      'text/event-stream': { schema: { $ref: getSchemaPath('RunEvent') } },
      'application/x-ndjson': { schema: { $ref: getSchemaPath('RunStreamLine') } },
    },
  });

export const ApiSend = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Send a message and wait for the answer',
      description: 'Runs the agent on the message and answers with the stored messages once done.',
    }),
    idempotencyKey,
    ApiCreatedResponse({ type: RunResultResponse, headers: CREATED_LOCATION_HEADER }),
    // Messages have no address of their own: Location is the list they were appended to.
    CreatedLocation((_: RunResultResponse, path) => path),
    ApiAcceptedResponse({
      type: AwaitingApprovalResponse,
      description:
        'The run paused before a tool call that needs approval: decide with ' +
        '`POST .../runs/{run_id}/approvals`.',
    }),
    runActive,
    keyReused,
    tooMany,
    ApiServiceUnavailableResponse({ description: 'The model is unavailable (Retry-After).' }),
  );

export const ApiStream = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Send a message and stream the answer',
      description:
        'Starts a run and streams its events. Repeated with the same Idempotency-Key, it follows ' +
        'the same run; with `Last-Event-ID` of that run too, it continues after that event.',
    }),
    idempotencyKey,
    lastEventId,
    eventStream('The run as a stream of events.'),
    runActive,
    keyReused,
    tooMany,
    ApiServiceUnavailableResponse({ description: 'Too many open streams, or shutting down.' }),
  );

export const ApiResume = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Resume the stream of the latest run',
      description:
        'Replays the latest run after `Last-Event-ID` (or `?last_event_id=`), then follows it ' +
        'live to its end; EventSource-compatible.',
    }),
    lastEventId,
    eventStream('The rest of the latest run.'),
    ApiNoContentResponse({ description: 'Nothing left to send.' }),
    tooMany,
    ApiServiceUnavailableResponse({ description: 'Too many open streams, or shutting down.' }),
  );

export const ApiCancel = () =>
  applyDecorators(
    ApiOperation({ summary: 'Cancel the active run' }),
    ApiAcceptedResponse({ type: CancelResponse }),
    ApiConflictResponse({ description: 'No run is active (`no_active_run`).' }),
  );

export const ApiApprove = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Decide on the tool calls a paused run waits for',
      description:
        'One decision per pending call (`approval_required` events): approve, edit (run with other ' +
        'arguments) or reject (the model reads an error result). The same run goes on, on this ' +
        'instance, and its events after the pause are streamed as by `POST .../stream`.',
    }),
    eventStream('The rest of the run as a stream of events (it may pause again).'),
    ApiParam({ name: 'run_id', format: 'uuid', description: 'The paused run.' }),
    ApiConflictResponse({
      description: 'The run is not waiting for a decision (`run_not_awaiting_approval`).',
    }),
    tooMany,
    ApiServiceUnavailableResponse({ description: 'Too many open streams, or shutting down.' }),
  );

export const ApiEvents = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Poll the events of the latest run',
      description: 'For clients whose proxies break streaming; at most 1,000 events at a time.',
    }),
    ApiOkResponse({ type: EventsResponse }),
  );
