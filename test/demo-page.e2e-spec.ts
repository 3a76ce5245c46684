import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import request from 'supertest';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

jest.setTimeout(180_000);

const ROOT = resolve(__dirname, '..');
/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it when missing). */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-dev-shm-usage',
];
/** A message whose local-model answer streams for seconds (one word per token delay). */
const LONG = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
/** Generous waits: the machine may be busy. */
const WAIT = { timeout: 60_000 };

/** Compiles the page and the client it imports, as `npm run build:demo` does. */
function buildDemoPage(): void {
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', 'packages/demo-page/tsconfig.json'],
    { cwd: ROOT, stdio: 'pipe' },
  );
}

/** The demo chat page (DEMO_PAGE_ENABLED) in headless Chromium against the real server (issue #15). */
describe('demo chat page in Chromium (e2e)', () => {
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let token: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
    buildDemoPage();
    // 120 ms a word: an answer of ~48 words lasts seconds, long enough to reload in its middle.
    t = await startTestApp({
      DEMO_PAGE_ENABLED: 'true',
      LOCAL_MODEL_TOKEN_DELAY_MS: '120',
      STREAM_CHUNK_WINDOW_MS: '0',
    });
    token = await tokenFor('demo-user');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
    });
  });
  beforeEach(async () => {
    context = await browser.newContext();
    page = await context.newPage();
    await page.goto(`${t.baseUrl}/demo`);
    await page.fill('#token', token);
    await page.click('#use-token');
  });
  afterEach(() => context.close());
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const api = (path: string) =>
    request(t.server).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`);
  const lastAnswer = () => page.locator('.message.assistant').last();
  const ask = async (content: string) => {
    await page.fill('#input', content);
    await page.click('#send');
  };
  /** The conversation the page shows, as the server stores it. */
  const storedMessages = async () => {
    // A string, evaluated in the page: this project's types have no DOM.
    const id = await page.evaluate<string>("sessionStorage.getItem('agent-demo.conversation')");
    const res = await api(`/conversations/${id}/messages`).expect(200);
    return res.body.items as Array<{ role: string; content: string; status: string }>;
  };

  it('streams an answer, survives a reload in its middle, and shows it exactly once', async () => {
    await ask(LONG);
    const answer = lastAnswer();
    await answer.locator('.text', { hasText: 'word3 ' }).waitFor(WAIT);
    expect(await answer.getAttribute('data-state')).toBe('streaming');
    const before = (await answer.locator('.text').textContent()) ?? '';
    expect(before).not.toContain('word39');

    const resumes: Array<Record<string, string>> = [];
    page.on('request', (sent) => {
      if (sent.method() === 'POST' && sent.url().endsWith('/stream')) resumes.push(sent.headers());
    });
    await page.reload();
    await page.locator('.message.assistant[data-state="complete"]').waitFor(WAIT);
    // The page went on with the same send after the last event it had shown.
    expect(resumes).toHaveLength(1);
    expect(resumes[0]['last-event-id']).toMatch(/^[0-9a-f-]{36}:\d+$/);
    expect(resumes[0]['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);

    const stored = await storedMessages();
    expect(stored.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(await page.locator('.message.user').allTextContents()).toEqual([LONG]);
    const shown = await page.locator('.message.assistant .text').allTextContents();
    expect(shown).toEqual([stored[1].content]);
    for (let i = 0; i < 40; i++) {
      expect(shown[0].split(/\s+/).filter((word) => word === `word${i}`)).toHaveLength(1);
    }
    // The conversation is listed, named after its first message.
    await expect(page.locator('#conversations button').allTextContents()).resolves.toEqual([
      LONG.slice(0, 40),
    ]);
    expect(await page.locator('#error').isHidden()).toBe(true);
  });

  it('shows a tool call and its result', async () => {
    await page.click('#new-conversation');
    await ask('what is 12 * (3 + 4)?');
    const answer = lastAnswer();
    await page.locator('.message.assistant[data-state="complete"]').waitFor(WAIT);
    await expect(answer.locator('.tool-call').textContent()).resolves.toContain('calculator');
    await expect(answer.locator('.tool-call').textContent()).resolves.toContain('12 * (3 + 4)');
    await expect(answer.locator('.tool-result').textContent()).resolves.toBe('→ 84');
    await expect(answer.locator('.text').textContent()).resolves.toContain('84');
  });

  it('stops an answer: the partial answer stays, marked stopped', async () => {
    await page.click('#new-conversation');
    await ask(LONG);
    const answer = lastAnswer();
    await answer.locator('.text', { hasText: 'word2 ' }).waitFor(WAIT);
    await page.click('#stop');
    await page.locator('.message.assistant[data-state="cancelled"]').waitFor(WAIT);
    await expect(answer.locator('.notice').textContent()).resolves.toBe('(stopped)');
    // Once over, the conversation is shown again from the server (with a Regenerate button): the
    // stopped answer still says so.
    await page.locator('.controls.assistant button.regenerate').waitFor(WAIT);
    expect(await answer.getAttribute('data-state')).toBe('cancelled');
    await expect(answer.locator('.notice').textContent()).resolves.toBe('(stopped)');
    const text = (await answer.locator('.text').textContent()) ?? '';
    expect(text).not.toContain('word39');
    const stored = await storedMessages();
    expect(stored.at(-1)).toMatchObject({ role: 'assistant', status: 'partial', content: text });
    expect(await page.isEnabled('#send')).toBe(true);
  });

  it('serves the compiled scripts and nothing else', async () => {
    await request(t.server)
      .get('/demo/assets/client/src/index.js')
      .expect(200)
      .expect('Content-Type', /text\/javascript/);
    for (const path of [
      '/demo/assets/..%2F..%2Fpackage.json',
      '/demo/assets/../../package.json',
      '/demo/assets/client/src/missing.js',
      '/demo/assets/demo-page/tsconfig.json',
    ]) {
      await request(t.server).get(path).expect(404);
    }
  });

  it('asks before a tool call that needs approval, and goes on once approved or rejected', async () => {
    await page.click('#new-conversation');
    await ask('Remind me to water the plants');
    const approve = lastAnswer().locator('.approval button.approve');
    await approve.waitFor(WAIT);
    expect(await lastAnswer().getAttribute('data-state')).toBe('awaiting_approval');
    await approve.click();
    await page.locator('.message.assistant[data-state="complete"]').waitFor(WAIT);
    await expect(lastAnswer().locator('.tool-result').textContent()).resolves.toBe(
      '→ Reminder set: "water the plants".',
    );

    await ask('Remind me to call Sam');
    const reject = lastAnswer().locator('.approval button.reject');
    await reject.waitFor(WAIT);
    await reject.click();
    await page.locator('.message.assistant[data-state="complete"]').nth(1).waitFor(WAIT);
    await expect(lastAnswer().locator('.text').textContent()).resolves.toBe(
      'The set_reminder tool failed: The user said no.',
    );
    // Both runs are over on the server, each answer stored once.
    const stored = await storedMessages();
    expect(stored.filter((m) => m.role === 'tool').map((m) => m.content)).toEqual([
      'Reminder set: "water the plants".',
      'The user said no.',
    ]);
  });

  it('answers again, edits a question, moves between versions, and searches', async () => {
    await page.click('#new-conversation');
    await ask('tell me about penguins');
    const regenerate = page.locator('.controls.assistant button.regenerate');
    await regenerate.waitFor(WAIT);
    await regenerate.click();
    await page.locator('.controls.assistant .version', { hasText: '2/2' }).waitFor(WAIT);

    page.once('dialog', (dialog) => void dialog.accept('tell me about puffins'));
    await page.click('.controls.user button.edit');
    await page.locator('.controls.user .version', { hasText: '2/2' }).waitFor(WAIT);
    expect(await page.locator('.message.user').allTextContents()).toEqual([
      'tell me about puffins',
    ]);
    await expect(lastAnswer().locator('.text').textContent()).resolves.toContain('puffins');
    // The edited question's branch has one answer.
    expect(await page.locator('.controls.assistant .version').count()).toBe(0);

    // Back to the first version: its branch, ending at its newest answer.
    await page.click('.controls.user button.previous-version');
    await page.locator('.controls.user .version', { hasText: '1/2' }).waitFor(WAIT);
    expect(await page.locator('.message.user').allTextContents()).toEqual([
      'tell me about penguins',
    ]);
    await expect(page.locator('.controls.assistant .version').textContent()).resolves.toBe('2/2');
    expect((await storedMessages()).map((m) => m.content)[0]).toBe('tell me about penguins');

    await page.fill('#query', 'puffins');
    await page.press('#query', 'Enter');
    await page.locator('#hits .snippet mark', { hasText: 'puffins' }).first().waitFor(WAIT);
    expect(await page.locator('#hits button.hit').count()).toBe(1);
    expect(await page.locator('#error').isHidden()).toBe(true);
  });

  it('shows errors', async () => {
    await page.fill('#token', 'not-a-token');
    await page.click('#use-token');
    await page.locator('#error', { hasText: '401' }).waitFor(WAIT);
  });
});

describe('demo chat page switched off (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('is not served unless DEMO_PAGE_ENABLED is set', async () => {
    const page = await request(t.server).get('/demo').expect(404);
    expect(page.body).toMatchObject({ code: 'route_not_found' });
    await request(t.server).get('/demo/assets/demo-page/src/chat-page.js').expect(404);
  });
});
