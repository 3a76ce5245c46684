/**
 * The OpenAI-compatible model of the bench: test/support's FakeOpenAIServer in a process of its
 * own (so that its CPU is not the server's), answering every Chat Completions request with a
 * stream of N one-word tokens at 0 ms, N read from the last user message ("… 400 tokens …"), and
 * the usage chunk when asked for it, as OpenAI sends it. `GET /v1/models` is its readiness probe.
 *
 * Run by the bench as a child process; configured by the environment only (PORT).
 */
import {
  FakeOpenAIServer,
  type FakeChatCompletionsBody,
  type FakeResponse,
} from '../../test/support/fake-openai-server';

/** Tokens asked for in a message, e.g. "Answer in 400 tokens". */
export function tokensAskedFor(content: string): number {
  return Number(/\b(\d+) tokens\b/.exec(content)?.[1] ?? 1);
}

function answer(body: FakeChatCompletionsBody): FakeResponse {
  const user = (body.messages ?? []).filter((m) => m.role === 'user').at(-1);
  const tokens = tokensAskedFor(typeof user?.content === 'string' ? user.content : '');
  return { steps: Array.from({ length: tokens }, (_, i) => ({ text: `w${i % 10} ` })) };
}

FakeOpenAIServer.start({ port: Number(process.env.PORT ?? 0), fallback: answer, record: false })
  .then((server) => process.stdout.write(`mock OpenAI on ${server.baseUrl}\n`))
  .catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
