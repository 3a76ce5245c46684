import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
} from '@nestjs/swagger';
import {
  eventStream,
  idempotencyKey,
  keyReused,
  lastEventId,
  runActive,
  tooMany,
} from './runs.api';

// The OpenAPI description of the routes that start a run on an earlier message.

const messageId = ApiParam({
  name: 'message_id',
  format: 'uuid',
  description: 'A message of the conversation.',
});

const streamed = (summary: string, description: string) =>
  applyDecorators(
    ApiOperation({ summary, description }),
    messageId,
    idempotencyKey,
    lastEventId,
    eventStream('The new run as a stream of events, as `POST .../stream` sends it.'),
    ApiNotFoundResponse({
      description: 'No such conversation for this user, or no such message in it.',
    }),
    runActive,
    keyReused,
    tooMany,
    ApiServiceUnavailableResponse({ description: 'Too many open streams, or shutting down.' }),
  );

export const ApiEdit = () =>
  applyDecorators(
    streamed(
      'Edit a user message and stream the new answer',
      'Stores the new text as a sibling of the user message (same parent; the earlier version ' +
        'stays), shows its branch, and starts a run answering it, which sees only that branch.',
    ),
    ApiBadRequestResponse({
      description: 'Invalid content, or the message is not a user message.',
    }),
  );

export const ApiRegenerate = () =>
  streamed(
    'Answer a user message again and stream the new answer',
    'Starts a run answering the user message again (or, for an answer, the user message it ' +
      'answers); no message is added. The new answer is a sibling of the earlier one, which stays.',
  );
