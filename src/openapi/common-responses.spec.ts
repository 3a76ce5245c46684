import type { OpenAPIObject, OperationObject } from '@nestjs/swagger';
import { addCommonResponses, PROBLEM_SCHEMA_REF } from './common-responses';

const problem = { 'application/problem+json': { schema: { $ref: PROBLEM_SCHEMA_REF } } };

function documentWith(operations: Record<string, OperationObject>): OpenAPIObject {
  return {
    openapi: '3.0.0',
    info: { title: 't', version: '1' },
    security: [{ bearer: [] }],
    paths: Object.fromEntries(Object.entries(operations).map(([path, op]) => [path, { get: op }])),
  };
}

describe('addCommonResponses', () => {
  it('gives an authenticated route 400, 401 and 429, and a route with a body 413 and 415', () => {
    const document = addCommonResponses(
      documentWith({
        '/a': { responses: { 200: { description: 'ok' } } },
        '/b': {
          requestBody: { content: { 'application/json': { schema: {} } } },
          responses: { 201: { description: 'made' } },
        },
      }),
    );
    expect(Object.keys(document.paths['/a'].get!.responses)).toEqual(['200', '400', '401', '429']);
    expect(Object.keys(document.paths['/b'].get!.responses)).toEqual([
      '201',
      '400',
      '401',
      '413',
      '415',
      '429',
    ]);
    expect(document.paths['/a'].get!.responses[429]).toMatchObject({
      headers: { 'Retry-After': expect.any(Object), 'X-RateLimit-Remaining': expect.any(Object) },
      content: problem,
    });
  });

  it('gives a public route (anonymous security) only 400', () => {
    const document = addCommonResponses(
      documentWith({ '/health': { security: [{}], responses: { 200: { description: 'ok' } } } }),
    );
    expect(Object.keys(document.paths['/health'].get!.responses)).toEqual(['200', '400']);
  });

  it('makes every error answer problem+json unless it declares its own body, and keeps declared ones', () => {
    const health = { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } };
    const document = addCommonResponses(
      documentWith({
        '/c': {
          responses: {
            409: { description: 'busy', headers: { 'Retry-After': { schema: {} } } },
            503: { description: 'down', content: health },
          },
        },
      }),
    );
    const responses = document.paths['/c'].get!.responses;
    expect(responses[409]).toEqual({
      description: 'busy',
      headers: { 'Retry-After': { schema: {} } },
      content: problem,
    });
    expect(responses[503]).toEqual({ description: 'down', content: health });
  });
});
