import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { ORDINARY_CALLS } from './support/openapi-client-calls';
import {
  openapiTypescript,
  redoclyLint,
  scratchDir,
  typeCheck,
  writeDocument,
} from './support/openapi-tools';
import { startTestApp, type TestApp } from './support/test-app';

jest.setTimeout(60_000);

/**
 * The document at /docs-json, read by the tools frontend teams use on it: Redocly's linter and
 * openapi-typescript with openapi-fetch (issue #15).
 */
describe('OpenAPI for client generators (e2e)', () => {
  let t: TestApp;
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let documentFile: string;

  beforeAll(async () => {
    t = await startTestApp();
    scratch = await scratchDir();
    const res = await request(t.server).get('/docs-json').expect(200);
    documentFile = await writeDocument(scratch.path, res.body);
  });
  afterAll(async () => {
    await scratch.remove();
    await t.close();
  });

  it("passes Redocly's recommended rules with no error and no warning", async () => {
    const problems = await redoclyLint(documentFile);
    expect(
      problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} ${p.location[0]?.pointer}`),
    ).toEqual([]);
  });

  it('generates types with openapi-typescript that accept ordinary openapi-fetch calls and refuse wrong ones', async () => {
    await openapiTypescript(documentFile, join(scratch.path, 'schema.d.ts'));
    const calls = join(scratch.path, 'calls.ts');
    await writeFile(calls, ORDINARY_CALLS);
    expect(typeCheck([calls])).toEqual([]);
  });
});
