import { applyDecorators } from '@nestjs/common';
import { ApiNotFoundResponse, ApiParam } from '@nestjs/swagger';

/** The OpenAPI description of a route under `/conversations/{id}`. */
export const ApiConversationId = () =>
  applyDecorators(
    ApiParam({ name: 'id', format: 'uuid', description: 'The conversation.' }),
    ApiNotFoundResponse({ description: 'No such conversation for this user.' }),
  );
