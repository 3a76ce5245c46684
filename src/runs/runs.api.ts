import { applyDecorators } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTooManyRequestsResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { CancelResponse, EventsResponse, RunResultResponse } from './dto/run.dto';

// The OpenAPI description of the runs routes, kept apart so that the controller reads as what it
// does.

const idempotencyKey = ApiHeader({
  name: 'Idempotency-Key',
  required: false,
  description: 'Repeating a request with the same key returns the run it started.',
});
const lastEventId = ApiHeader({
  name: 'Last-Event-ID',
  required: false,
  description: '`<run_id>:<seq>` of the last event the client has.',
});
const runActive = ApiConflictResponse({
  description: 'A run is already active in this conversation (Retry-After).',
});
const keyReused = ApiUnprocessableEntityResponse({
  description: 'The Idempotency-Key was used for another message.',
});
const tooMany = ApiTooManyRequestsResponse({
  description: 'Rate limited, or too many runs or streams of this user (Retry-After).',
});

export const ApiSend = () =>
  applyDecorators(
    idempotencyKey,
    ApiCreatedResponse({ type: RunResultResponse }),
    runActive,
    keyReused,
    tooMany,
    ApiServiceUnavailableResponse({ description: 'The model is unavailable (Retry-After).' }),
  );

export const ApiStream = () =>
  applyDecorators(
    idempotencyKey,
    lastEventId,
    ApiProduces('text/event-stream', 'application/x-ndjson'),
    ApiOkResponse({ description: 'The run as a stream of events.' }),
    runActive,
    keyReused,
    tooMany,
    ApiServiceUnavailableResponse({ description: 'Too many open streams, or shutting down.' }),
  );

export const ApiResume = () =>
  applyDecorators(
    lastEventId,
    ApiProduces('text/event-stream', 'application/x-ndjson'),
    ApiOkResponse({ description: 'The rest of the latest run as a stream of events.' }),
    ApiNoContentResponse({ description: 'Nothing left to send.' }),
    tooMany,
  );

export const ApiCancel = () =>
  applyDecorators(
    ApiAcceptedResponse({ type: CancelResponse }),
    ApiConflictResponse({ description: 'No run is active.' }),
  );

export const ApiEvents = () => applyDecorators(ApiOkResponse({ type: EventsResponse }));
