import { request as httpRequest } from 'node:http';
import request from 'supertest';
import {
  EventLoopWatch,
  type HealthAnswer,
  HealthPoller,
  type LoopStalls,
} from './support/event-loop-watch';
import { KNOWLEDGE, uploadDocument } from './support/knowledge-corpus';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

/** MAX_MESSAGE_CHARS's default: the longest message the API takes. */
const MAX_CHARS = 32_000;
/**
 * How long a /health answer may wait for work (the goal is 50 ms a request). Measured in the main
 * thread's CPU time less garbage collection (see EventLoopWatch): on a machine whose other
 * processes keep both cores busy, a collection that takes 2 ms alone was seen to take 100 ms, and
 * wall-clock waits are mostly the OS's.
 */
const MAX_BUSY_MS = 100;
/**
 * How long one stretch of work may hold the event loop. Unloaded, the worst case measures under
 * 30 ms; on a loaded CI machine the same work (one 32,000-character word of printable junk,
 * streamed) measured 111 ms of the main thread's CPU, as a thread sharing its core runs slower.
 * Four times the goal leaves room for that and still fails on the freezes issue #12 was about
 * (seconds to minutes per message).
 */
const MAX_STRETCH_MS = 200;
/**
 * Wall-clock bound, generous for a loaded machine (with `stress-ng --cpu 2` beside the suite a
 * /health answer was seen to wait 4.5 s for the OS): the busy bound above is the precise one; this
 * one catches freezes of the kind seen before issue #12 (minutes per message).
 */
const MAX_WALL_MS = 15_000;

const fill = (unit: string, chars = MAX_CHARS) =>
  unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars);
/** Printable ASCII in a scrambled order: letters, digits, operators and brackets mixed. */
const junk = (chars: number) =>
  Array.from({ length: chars }, (_, i) =>
    String.fromCharCode(33 + ((i * 7919 + ((i * i) % 101)) % 94)),
  ).join('');
const within = (text: string) => text.slice(0, MAX_CHARS);

/**
 * The worst messages we know, each at MAX_MESSAGE_CHARS. Before issue #12 each of the first ones
 * held the event loop from seconds to minutes: the tokenizer is quadratic on a run without spaces,
 * and the local model's patterns backtracked.
 */
const HOSTILE_MESSAGES: Record<string, string> = {
  'a run of ")" between numbers': `1${' )'.repeat(Math.floor((MAX_CHARS - 3) / 2))} 1`,
  'a run of one letter': fill('a'),
  'Japanese and Chinese without spaces': fill('漢字仮名交じり文の日本語テキスト中文字符'),
  'emoji without spaces': fill('😀🎉👍🏽🚀'),
  'a run of "("': fill('('),
  'a run of spaces': `${' '.repeat(MAX_CHARS - 1)}x`,
  'a run of digits': fill('1234567890'),
  'printable junk': junk(MAX_CHARS),
  'a knowledge search for junk': within(`search the knowledge base for ${junk(MAX_CHARS)}`),
  'many "search kb" on one line': `${fill('search kb ', MAX_CHARS - 2)}\nx`,
  'many "search" and no knowledge base': within(`${fill('search ', MAX_CHARS - 4)}docs`),
  'a search ending in question marks': within(`search the docs for x${fill(' ?')}`),
  'a time question with a long zone': within(`what time is it in Europe/${fill('Abcdef')}`),
  'many short sums': fill('1+1 a '),
  'many sums that do not parse': fill('1+1+ a '),
  'one long sum': fill('1 + '),
  'words of random letters': Array.from({ length: MAX_CHARS }, (_, i) =>
    i % 9 === 8 ? ' ' : String.fromCharCode(97 + ((i * 7919 + ((i * i) % 13)) % 26)),
  ).join(''),
};

const WARM_UP_MESSAGES = [
  'hello there',
  'what is 12 * (3 + 4)?',
  'search the knowledge base for refunds',
  'search for refunds in the docs',
  'what time is it in Europe/Paris?',
];

/** Documents as large as the default body limit (256 KiB) takes. */
const HOSTILE_DOCUMENTS: Record<string, string> = {
  'a run of one letter': fill('a', 250_000),
  'Japanese without spaces': fill('日本語のテキスト', 80_000),
  'a run of spaces': `${' '.repeat(249_999)}x`,
  // JSON escapes each line break in two bytes.
  'short lines': fill('ab\n', 180_000),
};

/**
 * Posts to a stream endpoint and reads the SSE answer to its end, keeping only the type of the
 * last event: the test runs in the app's process, so parsing every event of long answers would
 * hold the event loop itself.
 */
function streamLastEvent(
  baseUrl: string,
  path: string,
  token: string,
  body: unknown,
): Promise<{ status: number; lastEvent?: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(path, baseUrl),
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      },
      (res) => {
        let carry = '';
        let lastEvent: string | undefined;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const text = carry + chunk;
          for (const match of text.matchAll(/\nevent: (\w+)\n/g)) lastEvent = match[1];
          carry = text.slice(-32);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, lastEvent }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('No text can freeze the process (e2e)', () => {
  let t: TestApp;
  let token: string;
  let auth: string;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp({
      LOCAL_MODEL_TOKEN_DELAY_MS: '0',
      // /health is polled far more often than a probe would.
      RATE_LIMIT_MAX: '0',
      // The local model echoes a message word by word: 16,000 words of "1 ) ) …" are one model
      // call that took over the default minute when the whole suite ran beside this test.
      LLM_TIMEOUT_MS: '600000',
      CB_LLM_CALL_TIMEOUT_MS: '600000',
    });
    token = await tokenFor('hostile');
    auth = `Bearer ${token}`;
    admin = `Bearer ${await tokenFor('curator', { roles: ['admin'] })}`;
    // Loads the tokenizer and LangChain's modules, and runs every path once or twice (V8 compiles
    // a regular expression to machine code only from its second use), outside the measured window.
    const id = await newConversation();
    for (const content of WARM_UP_MESSAGES) await post(id, content).expect(201);
    for (const content of WARM_UP_MESSAGES) await post(id, content).expect(201);
    await uploadDocument(t, admin, { title: 'warm up', content: 'Warm up.' }).expect(201);
  });
  afterAll(() => t.close());

  const newConversation = async () =>
    (await request(t.server).post('/api/v1/conversations').set('Authorization', auth).send({})).body
      .id as string;
  const post = (id: string, content: string) =>
    request(t.server)
      .post(`/api/v1/conversations/${id}/messages`)
      .set('Authorization', auth)
      .send({ content });

  /**
   * Runs each case while /health is polled from another connection; stops at the first case that
   * held the loop too long (a frozen loop takes minutes per case), and names the cases that did.
   */
  async function expectLoopFree(cases: Record<string, () => Promise<void>>) {
    const health = new HealthPoller(t.baseUrl);
    const watch = new EventLoopWatch();
    const stalls: Record<string, LoopStalls> = {};
    let answers: HealthAnswer[] = [];
    watch.start();
    try {
      for (const [name, run] of Object.entries(cases)) {
        await run();
        stalls[name] = await watch.take();
        if (stalls[name].maxBusyMs > MAX_STRETCH_MS) break;
      }
    } finally {
      watch.stop();
      answers = await health.stop();
    }

    const tooLong = Object.entries(stalls)
      .filter(([, s]) => s.maxBusyMs > MAX_STRETCH_MS || s.maxDelayMs > MAX_WALL_MS)
      .map(
        ([name, s]) =>
          `${name}: busy ${Math.round(s.maxBusyMs)} ms, ${Math.round(s.maxDelayMs)} ms delay`,
      );
    expect(tooLong).toEqual([]);
    // /health answered all along: 99 answers in 100 waited for less than MAX_BUSY_MS of work
    // (while a long answer streams at full speed a probe waits behind a few of its words), and
    // none waited long on the wall clock.
    // How many probes fit depends on how busy the machine is: at least a few per case.
    expect(answers.length).toBeGreaterThan(2 * Object.keys(cases).length);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    const busy = answers.map((a) => a.busyMs).sort((a, b) => a - b);
    expect(busy[Math.floor(busy.length * 0.99)]).toBeLessThan(MAX_BUSY_MS);
    expect(Math.max(...answers.map((a) => a.wallMs))).toBeLessThan(MAX_WALL_MS);
  }

  it('answers /health while the worst messages go through POST .../messages and .../stream', async () => {
    // One conversation per path: each run also carries every earlier long message as history.
    // Each message goes through one of the two (they share the run; sending each through both
    // doubled a test that already keeps a core busy for a minute, and slowed the suite beside it).
    const syncId = await newConversation();
    const streamId = await newConversation();
    const cases = Object.fromEntries(
      Object.entries(HOSTILE_MESSAGES).map(([name, content], index) => [
        `${name} (${index % 2 === 0 ? 'messages' : 'stream'})`,
        async () => {
          if (index % 2 === 0) {
            const res = await post(syncId, content);
            expect([res.status, res.body.assistant_message?.status ?? res.body]).toEqual([
              201,
              'complete',
            ]);
          } else {
            const path = `/api/v1/conversations/${streamId}/stream`;
            const streamed = await streamLastEvent(t.baseUrl, path, token, { content });
            expect(streamed).toEqual({ status: 200, lastEvent: 'complete_state' });
          }
        },
      ]),
    );
    await expectLoopFree(cases);
  }, 600_000);

  it('answers /health while the largest documents are stored and long queries searched', async () => {
    const cases: Record<string, () => Promise<void>> = {};
    for (const [name, content] of Object.entries(HOSTILE_DOCUMENTS)) {
      cases[`document: ${name}`] = async () => {
        await uploadDocument(t, admin, { title: name, content }).expect(201);
      };
    }
    cases['search: 1,000 characters of junk'] = async () => {
      await request(t.server)
        .get(`${KNOWLEDGE}/search`)
        .query({ q: junk(1000), k: 20 })
        .set('Authorization', auth)
        .expect(200);
    };
    await expectLoopFree(cases);
  }, 300_000);
});
