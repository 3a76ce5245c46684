/**
 * A frontend's calls through `openapi-fetch` with the types `openapi-typescript` generates from
 * the live document (imported from `./schema`, next to where this text is written). The calls
 * marked `@ts-expect-error` must not compile: TypeScript reports an unused directive otherwise,
 * so types that accept anything fail the check too.
 */
export const ORDINARY_CALLS = `
import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

type RunEvent = components['schemas']['RunEvent'];
type Problem = components['schemas']['ProblemResponse'];

const client = createClient<paths>({ baseUrl: 'http://localhost:8000', headers: { Authorization: 'Bearer t' } });

export function describe(event: RunEvent): string {
  switch (event.type) {
    case 'message_chunk': return event.content + event.tokens;
    case 'tool_call': return event.tool_name + JSON.stringify(event.args);
    case 'tool_result': return event.result + String(event.is_error);
    case 'approval_required': return event.tool_call_id + JSON.stringify(event.args);
    case 'title': return event.title;
    case 'complete_state': return event.finish_reason + event.usage.output_tokens + event.message_id;
    case 'error': return event.code + String(event.retryable);
    case 'resync_required': return event.reason + event.message;
  }
}

export async function ordinaryCalls(): Promise<string[]> {
  const seen: string[] = [];
  const created = await client.POST('/api/v1/conversations', { body: { title: 'Trip', metadata: { tag: 'x' } } });
  if (created.error) return [created.error.code];
  const id: string = created.data.id;
  await client.POST('/api/v1/conversations', { body: {} });
  await client.PATCH('/api/v1/conversations/{id}', { params: { path: { id } }, body: { title: null } });
  const page = await client.GET('/api/v1/conversations', { params: { query: { limit: 20 } } });
  const next: string | null | undefined = page.data?.next_cursor;
  const branch = await client.GET('/api/v1/conversations/{id}/messages', { params: { path: { id }, query: { cursor: next ?? undefined } } });
  const first = branch.data?.items[0];
  if (first) {
    seen.push(String(first.parent_id), String(first.sibling_count), String(first.sibling_index), String(first.sibling_ids?.length));
    const shown = await client.PUT('/api/v1/conversations/{id}/active-branch', { params: { path: { id } }, body: { message_id: first.id } });
    seen.push(shown.data?.active_leaf_id ?? '');
    await client.POST('/api/v1/conversations/{id}/messages/{message_id}/edit', {
      params: { path: { id, message_id: first.id }, header: { 'Idempotency-Key': 'key-3' } },
      body: { content: 'Hello again' },
      parseAs: 'stream',
    });
    await client.POST('/api/v1/conversations/{id}/messages/{message_id}/regenerate', { params: { path: { id, message_id: first.id } }, parseAs: 'stream' });
  }
  const hits = await client.GET('/api/v1/conversations', { params: { query: { q: 'lisbon', limit: 5 } } });
  for (const hit of hits.data?.items ?? []) seen.push(hit.snippet ?? '', String(hit.rank), hit.title_source ?? '');

  const sent = await client.POST('/api/v1/conversations/{id}/messages', { params: { path: { id } }, body: { content: 'Hello' } });
  if (sent.error) {
    const problem: Problem = sent.error;
    seen.push(problem.code, problem.detail, problem.errors?.[0]?.field ?? '', problem.run_id ?? '');
  } else {
    // 201: the answer; 202: the run paused for a decision on a tool call.
    if ('assistant_message' in sent.data) {
      seen.push(sent.data.assistant_message.content, String(sent.data.usage.output_tokens));
    } else {
      seen.push(sent.data.run_id, sent.data.approvals[0]?.tool_name ?? '');
    }
  }
  await client.POST('/api/v1/conversations/{id}/messages', {
    params: { path: { id }, header: { 'Idempotency-Key': 'key-1' } },
    body: { content: 'Hello' },
  });

  const polled = await client.GET('/api/v1/conversations/{id}/events', { params: { path: { id }, query: { after: id + ':3' } } });
  for (const event of polled.data?.events ?? []) seen.push(describe(event));
  if (polled.data?.done) seen.push('done');

  const stream = await client.POST('/api/v1/conversations/{id}/stream', {
    params: { path: { id }, query: { format: 'ndjson' }, header: { 'Idempotency-Key': 'key-2' } },
    body: { content: 'Hi' },
    parseAs: 'stream',
  });
  stream.response.body?.getReader();
  await client.GET('/api/v1/conversations/{id}/stream', { params: { path: { id }, query: { last_event_id: id + ':2' } }, parseAs: 'stream' });

  const cancelled = await client.POST('/api/v1/conversations/{id}/cancel', { params: { path: { id } } });
  if (cancelled.data) seen.push(cancelled.data.run_id, cancelled.data.status);
  if (cancelled.error) seen.push(cancelled.error.code);
  await client.DELETE('/api/v1/conversations/{id}', { params: { path: { id } } });

  const found = await client.GET('/api/v1/knowledge/search', { params: { query: { q: 'refund', k: 3 } } });
  seen.push(found.data?.strategy ?? '', String(found.data?.results[0]?.score));
  return seen;
}

export async function wrongCalls(id: string): Promise<void> {
  // @ts-expect-error: content is required
  await client.POST('/api/v1/conversations/{id}/messages', { params: { path: { id } }, body: {} });
  // @ts-expect-error: content is a string
  await client.POST('/api/v1/conversations/{id}/stream', { params: { path: { id } }, body: { content: 1 } });
  // @ts-expect-error: no such route
  await client.GET('/api/v1/conversation');
  // @ts-expect-error: the id is a path parameter
  await client.GET('/api/v1/conversations/{id}', {});
  // @ts-expect-error: the branch is chosen by a message id
  await client.PUT('/api/v1/conversations/{id}/active-branch', { params: { path: { id } }, body: {} });
  // @ts-expect-error: format is sse or ndjson
  await client.GET('/api/v1/conversations/{id}/stream', { params: { path: { id }, query: { format: 'xml' } } });
}

// @ts-expect-error: no such event type
export const bogus: RunEvent['type'] = 'bogus';
`;
