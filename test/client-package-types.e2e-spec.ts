import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { openapiTypescript, scratchDir, typeCheck, writeDocument } from './support/openapi-tools';
import { startTestApp, type TestApp } from './support/test-app';

jest.setTimeout(60_000);

const CLIENT = resolve(__dirname, '../packages/client/src/index');

/**
 * The client's hand-written wire types against those openapi-typescript generates from the live
 * document: what the server says it sends must be what the client's types accept.
 */
const CONFORMANCE = `
import type { components } from './schema';
import type * as client from '${CLIENT}';

type Schemas = components['schemas'];

// Every event the document describes is a client RunEvent, and each client event of those types
// is one the document describes.
export const fromServer = (event: Schemas['RunEvent']): client.RunEvent => event;
export const toServer = (
  event: Extract<client.RunEvent, { type: Schemas['RunEvent']['type'] }>,
): Schemas['RunEvent'] => event;
export const conversation = (c: Schemas['ConversationResponse']): client.Conversation => c;
export const problem = (p: Schemas['ProblemResponse']): client.Problem => p;
export const events = (page: Schemas['EventsResponse']): client.EventsPage => page;
export const message = (m: Schemas['MessageResponse']): client.Message => m;
export const hit = (c: Schemas['ConversationListItem']): client.ConversationSearchHit => c;
export const branch = (b: Schemas['ActiveBranchResponse']): client.ActiveBranch => b;
export const run = (r: Schemas['RunResponse']): client.Run => r;
`;

describe('@agent-server/client types (e2e)', () => {
  let t: TestApp;
  let scratch: Awaited<ReturnType<typeof scratchDir>>;

  beforeAll(async () => {
    t = await startTestApp();
    scratch = await scratchDir();
  });
  afterAll(async () => {
    await scratch.remove();
    await t.close();
  });

  it('match the types openapi-typescript generates from /docs-json', async () => {
    const res = await request(t.server).get('/docs-json').expect(200);
    const document = await writeDocument(scratch.path, res.body);
    await openapiTypescript(document, join(scratch.path, 'schema.d.ts'));
    const file = join(scratch.path, 'conformance.ts');
    await writeFile(file, CONFORMANCE);
    expect(typeCheck([file])).toEqual([]);
  });
});
