import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import type { RunEvent } from '../src/runs/run-event.types';
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

/** A JSON value of the document, walked without knowing its shape. */
type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Every run event type, checked by the compiler against `RunEvent`: a new event type fails to
 * compile here until it is listed, and then this test until the document's unions name it.
 */
const RUN_EVENT_TYPES = Object.keys({
  message_chunk: true,
  tool_call: true,
  tool_result: true,
  approval_required: true,
  title: true,
  complete_state: true,
  error: true,
  resync_required: true,
} satisfies Record<RunEvent['type'], true>);

/** The operations that stream a run's events (the protocol adapters speak their own formats). */
const RUN_STREAMS = [
  'POST /api/v1/conversations/{id}/stream',
  'GET /api/v1/conversations/{id}/stream',
  'POST /api/v1/conversations/{id}/runs/{run_id}/approvals',
  'POST /api/v1/conversations/{id}/messages/{message_id}/edit',
  'POST /api/v1/conversations/{id}/messages/{message_id}/regenerate',
];
const PROTOCOL_ADAPTERS = /^\/api\/v1\/(ai-sdk|ag-ui)(\/|$)/;

/** `id`, `*_id` and camelCase `*Id`: the names of ids. */
const ID_NAME = /^id$|_id$|[a-z]Id$/;

/**
 * Ids that are not the server's uuids, each with why, by where they are (a JSON pointer, or
 * `METHOD path in name` for a parameter) or by name wherever they are.
 */
const NOT_UUIDS: Record<string, string> = {
  // Made by the model's provider (`call_…`, `toolu_…`) or the local model, passed through as is.
  tool_call_id: "the model's id of a tool call",
  '#/components/schemas/ToolCallResponse/properties/id': 'the same tool call id, on its message',
  // The AI SDK's `useChat` makes its own short random ids for messages; the server ignores them.
  '#/components/schemas/AiSdkMessageDto/properties/id': "the AI SDK client's message id",
  '#/components/schemas/AiSdkChatRequestDto/properties/messageId': 'sent by useChat, ignored',
  // AG-UI's HttpAgent names its runs itself (any string); the server keys a repeat on it.
  '#/components/schemas/AgUiRunInputDto/properties/runId': "the AG-UI client's run id",
  '#/components/schemas/AgUiRunInputDto/properties/parentRunId': 'sent by AG-UI, ignored',
  // `<run_id>:<seq>` (EventSource's resume point as a query parameter), described by a pattern.
  'GET /api/v1/conversations/{id}/stream query last_event_id': 'an event id, not an entity id',
};

/**
 * The document at /docs-json, read by the tools frontend teams use on it: Redocly's linter and
 * openapi-typescript with openapi-fetch (issue #15).
 */
describe('OpenAPI for client generators (e2e)', () => {
  let t: TestApp;
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let documentFile: string;
  let document: Node;

  beforeAll(async () => {
    t = await startTestApp();
    scratch = await scratchDir();
    const res = await request(t.server).get('/docs-json').expect(200);
    document = res.body as Node;
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

  /** A schema, with `$ref`s into the document followed. */
  const resolve = (schema: unknown): Node => {
    let node = schema;
    for (let hops = 0; isNode(node) && typeof node.$ref === 'string' && hops < 10; hops++) {
      node = node.$ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>((at, key) => (isNode(at) ? at[key] : undefined), document);
    }
    return isNode(node) ? node : {};
  };

  /** Every operation of the document, as `METHOD path` with its operation object. */
  const operations = (): Array<[string, Node]> =>
    Object.entries(document.paths as Record<string, Node>).flatMap(([path, item]) =>
      ['get', 'post', 'put', 'patch', 'delete']
        .filter((method) => isNode(item[method]))
        .map((method): [string, Node] => [`${method.toUpperCase()} ${path}`, item[method] as Node]),
    );

  /** What is wrong with `schema` as the union of run events (plus `extra` types), if anything. */
  const unionProblems = (schema: unknown, extra: string[]): string[] => {
    const union = resolve(schema);
    const discriminator = union.discriminator as { propertyName?: string; mapping?: Node };
    if (!Array.isArray(union.oneOf) || discriminator?.propertyName !== 'type') {
      return ['is not a oneOf with a discriminator on `type`'];
    }
    const mapping = (discriminator.mapping ?? {}) as Record<string, string>;
    const problems: string[] = [];
    const types = Object.keys(mapping).sort().join();
    const expected = [...RUN_EVENT_TYPES, ...extra].sort().join();
    if (types !== expected) problems.push(`maps ${types} instead of ${expected}`);
    const members = (union.oneOf as Node[]).map((member) => String(member.$ref)).sort();
    const mapped = Object.values(mapping).sort();
    if (members.join() !== mapped.join()) {
      problems.push(`has oneOf ${members.join()} but maps ${mapped.join()}`);
    }
    // Each member's own `type` is the one value that maps to it: a generator narrows on it.
    for (const [type, ref] of Object.entries(mapping)) {
      const member = resolve({ $ref: ref });
      const own = (member.properties as Record<string, Node> | undefined)?.type?.enum;
      if (JSON.stringify(own) !== JSON.stringify([type])) {
        problems.push(`maps ${type} to ${ref}, whose type is ${JSON.stringify(own)}`);
      }
      if (!(member.required as string[] | undefined)?.includes('type')) {
        problems.push(`maps ${type} to ${ref}, where type is optional`);
      }
    }
    return problems;
  };

  it('describes every run stream as SSE and NDJSON of the discriminated union of run events', () => {
    const streams = operations()
      .filter(([, operation]) => {
        const ok = (operation.responses as Record<string, Node>)['200'];
        return isNode(ok?.content) && 'text/event-stream' in ok.content;
      })
      .map(([name]) => name)
      .filter((name) => !PROTOCOL_ADAPTERS.test(name.split(' ')[1]));
    // A run stream added later must be listed here, and so checked below.
    expect(streams.sort()).toEqual([...RUN_STREAMS].sort());

    const problems: string[] = [];
    const byName = new Map(operations());
    for (const name of RUN_STREAMS) {
      const ok = (byName.get(name)?.responses as Record<string, Node> | undefined)?.['200'];
      const content = (ok?.content ?? {}) as Record<string, Node>;
      const media = Object.keys(content).sort();
      if (media.join() !== 'application/x-ndjson,text/event-stream') {
        problems.push(`${name}: 200 has ${media.join(', ') || 'no content'}`);
      }
      // SSE sends heartbeats as comments; NDJSON has a heartbeat line of its own.
      const expected: Array<[string, string[]]> = [
        ['text/event-stream', []],
        ['application/x-ndjson', ['heartbeat']],
      ];
      for (const [type, extra] of expected) {
        if (!content[type]) continue;
        for (const problem of unionProblems(content[type].schema, extra)) {
          problems.push(`${name} ${type}: ${problem}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("gives every id (path parameters, bodies, answers and events) format 'uuid'", () => {
    const violations: string[] = [];
    const excused = new Set<string>();
    const check = (where: string, name: string, schema: unknown) => {
      if (!ID_NAME.test(name)) return;
      const exception = [where, name].find((key) => key in NOT_UUIDS);
      if (exception) {
        excused.add(exception);
        return;
      }
      const format = formatOf(schema);
      if (format !== 'uuid') violations.push(`${where}: ${format ?? 'no format'}`);
    };
    /** The schema's format, through `$ref`s and the branches of allOf/anyOf/oneOf (nullable). */
    const formatOf = (schema: unknown): string | undefined => {
      const node = resolve(schema);
      if (typeof node.format === 'string') return node.format;
      const branches = [node.allOf, node.anyOf, node.oneOf].flatMap((b) =>
        Array.isArray(b) ? b : [],
      );
      return branches.map(formatOf).find((format) => format !== undefined);
    };

    // Every schema, wherever it is: components, request bodies, answers, nested properties.
    const walk = (node: unknown, pointer: string) => {
      if (Array.isArray(node)) return node.forEach((item, i) => walk(item, `${pointer}/${i}`));
      if (!isNode(node)) return;
      if (isNode(node.properties)) {
        for (const [name, property] of Object.entries(node.properties)) {
          check(`${pointer}/properties/${name}`, name, property);
        }
      }
      for (const [key, value] of Object.entries(node)) {
        walk(value, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      }
    };
    walk(document, '#');

    // Every parameter, in the path, the query or a header.
    for (const [name, operation] of operations()) {
      for (const parameter of (operation.parameters ?? []) as Node[]) {
        const { name: param, in: place, schema } = resolve(parameter);
        check(`${name} ${String(place)} ${String(param)}`, String(param), schema);
      }
    }

    expect(violations).toEqual([]);
    // An exception that matches nothing any more is removed, not kept "just in case".
    expect(Object.keys(NOT_UUIDS).filter((key) => !excused.has(key))).toEqual([]);
  });
});
