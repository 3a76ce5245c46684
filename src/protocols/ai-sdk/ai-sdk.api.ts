import { applyDecorators } from '@nestjs/common';
import {
  ApiHeader,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { RETRY_AFTER_HEADERS } from '../../openapi/common-responses';
import { runActive, tooMany } from '../../runs/runs.api';

// The OpenAPI description of the AI SDK routes, kept apart so that the controller reads as what
// it does.

/** A 200 UI message stream. */
const uiMessageStream = (description: string) =>
  ApiOkResponse({
    description:
      `${description} The AI SDK's UI message stream (\`x-vercel-ai-ui-message-stream: v1\`): SSE ` +
      'blocks `data: <UIMessageChunk JSON>` (`start`, `start-step`, `text-start`, `text-delta`, ' +
      '`text-end`, `tool-input-available`, `tool-output-available`, `tool-output-error`, ' +
      '`finish-step`, `finish`, `error`), then `data: [DONE]`.',
    headers: {
      'x-vercel-ai-ui-message-stream': { description: 'Always `v1`.', schema: { type: 'string' } },
    },
    content: {
      'text/event-stream': {
        schema: { type: 'string', description: 'SSE blocks, each `data: <UIMessageChunk JSON>`.' },
      },
    },
  });
const unavailable = ApiServiceUnavailableResponse({
  description: 'Too many open streams, or shutting down (Retry-After).',
  headers: RETRY_AFTER_HEADERS,
});
const notFound = ApiNotFoundResponse({ description: 'No such conversation for this user.' });

export const ApiAiSdkChat = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Chat through the Vercel AI SDK (useChat)',
      description:
        "For `useChat` with `DefaultChatTransport({ api: '/api/v1/ai-sdk/chat' })` and the chat id " +
        'set to a conversation id: starts a run on the last (user) message and streams it.',
    }),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        "As on POST .../stream; without it, the last message's id is the key (not for a regenerate).",
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
    }),
    uiMessageStream('The run as one assistant message, whose id is the run id.'),
    notFound,
    runActive,
    ApiUnprocessableEntityResponse({
      description: 'The message id (or Idempotency-Key) was used for another message.',
    }),
    tooMany,
    unavailable,
  );

export const ApiAiSdkResume = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Resume the AI SDK stream of a chat',
      description:
        "`useChat`'s `resumeStream()`: the conversation's run in progress, replayed from its start " +
        'and followed to its end; 204 when no run is in progress.',
    }),
    ApiParam({ name: 'id', format: 'uuid', description: 'The chat id: a conversation.' }),
    uiMessageStream('The run in progress, from its start.'),
    ApiNoContentResponse({ description: 'No run is in progress.' }),
    notFound,
    tooMany,
    unavailable,
  );
