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

/** As {@link expectProblem}, for an answer read by `sendRaw` or `exchangeRaw`; returns the body. */
export function expectRawProblem(
  answer: { status: number; headers: Record<string, string>; body: string },
  status: number,
  code: string,
): Record<string, unknown> {
  expect({ status: answer.status, body: answer.body }).toMatchObject({ status });
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  expect(body).toMatchObject({ type: `urn:agent-server:problem:${code}`, status, code });
  expect(body.instance).toBe(answer.headers['x-request-id']);
  return body;
}
