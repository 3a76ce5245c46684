import request from 'supertest';
import { startTestApp, type TestApp } from './support/test-app';

describe('OpenAPI document (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('serves the JSON document generated from the DTOs', async () => {
    const res = await request(t.server).get('/docs-json').expect(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/conversations',
        '/api/v1/conversations/{id}',
        '/api/v1/conversations/{id}/messages',
      ]),
    );
    const create = res.body.paths['/api/v1/conversations'].post;
    expect(create.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/CreateConversationDto',
    );
    expect(res.body.components.schemas.CreateConversationDto.properties.title.maxLength).toBe(500);
    expect(res.body.components.schemas.ConversationResponse.required).toEqual(
      expect.arrayContaining(['id', 'message_count', 'created_at']),
    );
    expect(res.body.components.securitySchemes.bearer).toBeDefined();
  });

  it('serves the Swagger UI', async () => {
    const res = await request(t.server).get('/docs').expect(200);
    expect(res.text).toContain('swagger-ui');
  });
});
