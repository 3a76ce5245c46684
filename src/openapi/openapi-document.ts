import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { STREAM_TOKEN_SCHEME } from '../auth/auth.decorators';
import { ProblemResponse } from '../common/errors/problem.response';
import { addCommonResponses } from './common-responses';

/**
 * The OpenAPI 3 document of the API (served at `/docs-json`), written for client generators
 * (openapi-typescript, openapi-generator) and checked with Redocly's recommended rules: every
 * operation has a summary, every error answer is problem+json, the streams are described in both
 * of their media types with the union of their events.
 */
export function createOpenApiDocument(
  app: INestApplication,
  version: string,
  /** Schemas the routes refer to without a class to reflect: models, and named unions of them. */
  extra: { models: Array<new (...args: never[]) => unknown>; unions: Record<string, object> },
): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Agent Conversation Server')
    .setDescription(
      'Conversations over REST; agent answers live over SSE or NDJSON. Errors are application/problem+json.',
    )
    .setVersion(version)
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addServer('/', 'This server')
    .addBearerAuth()
    .addApiKey(
      {
        type: 'apiKey',
        in: 'query',
        name: 'access_token',
        description:
          "A stream token from POST /api/v1/conversations/{id}/stream-tokens, for EventSource; only on that conversation's /stream.",
      },
      STREAM_TOKEN_SCHEME,
    )
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ProblemResponse, ...extra.models],
  });
  // Unions have no class to come from: named here so that generated clients get one type each.
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...extra.unions },
  };
  return addCommonResponses(document);
}
