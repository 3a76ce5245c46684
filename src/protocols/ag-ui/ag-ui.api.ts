import { applyDecorators } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { RETRY_AFTER_HEADERS } from '../../openapi/common-responses';
import { runActive, tooMany } from '../../runs/runs.api';

// The OpenAPI description of the AG-UI route, kept apart so that the controller reads as what it
// does.

export const ApiAgUiRun = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Run the agent over AG-UI (HttpAgent)',
      description:
        "For `@ag-ui/client`'s `HttpAgent({ url: '/api/v1/ag-ui', threadId: conversationId })` and " +
        'CopilotKit-style frontends: starts a run on the last (user) message and streams it.',
    }),
    ApiOkResponse({
      description:
        'AG-UI events over SSE, each `data: <event JSON>`: `RUN_STARTED`, ' +
        '`TEXT_MESSAGE_START`/`CONTENT`/`END`, `TOOL_CALL_START`/`ARGS`/`END`, `TOOL_CALL_RESULT`, ' +
        'then `RUN_FINISHED` (an `interrupt` outcome for a run paused for approval) or `RUN_ERROR`.',
      content: {
        'text/event-stream': {
          schema: { type: 'string', description: 'SSE blocks, each `data: <AG-UI event JSON>`.' },
        },
      },
    }),
    ApiNotFoundResponse({ description: 'No such conversation (threadId) for this user.' }),
    runActive,
    ApiUnprocessableEntityResponse({ description: 'The runId was used for another message.' }),
    tooMany,
    ApiServiceUnavailableResponse({
      description: 'Too many open streams, or shutting down (Retry-After).',
      headers: RETRY_AFTER_HEADERS,
    }),
  );
