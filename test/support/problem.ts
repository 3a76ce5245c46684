import type { Response } from 'supertest';

/** Asserts a problem+json answer with the status and code, and its `instance` = the request id. */
export function expectProblem(res: Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({
    type: `urn:agent-server:problem:${code}`,
    status,
    code,
    title: expect.any(String),
    detail: expect.any(String),
  });
  expect(res.body.instance).toBe(res.headers['x-request-id']);
}
