/**
 * Times every function that reads user text on the worst inputs we know, at MAX_MESSAGE_CHARS
 * (32,000 by default): the event loop is blocked about that long per call. CPU time of the
 * process (user + system), so that other processes on a loaded machine do not inflate the
 * figures; the median of 7 calls after a warm-up call on the same input, and the slowest (a
 * garbage collection's helper threads count too). Each function runs in a child process with a
 * time limit per input, so that a catastrophic case (seconds to minutes before issue #12) is
 * reported as such instead of stalling the whole bench.
 *
 * Usage: npx ts-node --swc bench/hostile-text.ts [--chars 32000] [--limit-ms 5000] [name,name]
 * Not part of `npm run bench`: a check for regressions of issue #12 ("no request can freeze").
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { AIMessage, type BaseMessage, HumanMessage } from '@langchain/core/messages';
import { toAgentMessages } from '../src/agent/history.mapper';
import { trimHistory } from '../src/agent/middleware/history-trim.middleware';
import { findExpression, planLocalReply } from '../src/agent/models/local-reply.planner';
import { countMessageTokens, countTokens } from '../src/agent/tokenizer';
import { evaluateExpression } from '../src/agent/tools/expression-parser';
import { TOOL_NAMES } from '../src/agent/tools/tool-names';
import { RecursiveTextSplitter } from '../src/knowledge/chunking/recursive-text.splitter';
import { LocalHashEmbeddings } from '../src/knowledge/embeddings/local-hash.embeddings';
import { normaliseQuestion } from '../src/runs/response-cache';

/** The hostile texts, each about `chars` UTF-16 code units long. */
function hostileInputs(chars: number): Record<string, string> {
  const fill = (unit: string) => unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars);
  const junk = Array.from({ length: chars }, (_, i) =>
    String.fromCharCode(33 + ((i * 7919 + ((i * i) % 101)) % 94)),
  ).join('');
  const words = Array.from({ length: chars }, (_, i) =>
    i % 9 === 8 ? ' ' : String.fromCharCode(97 + ((i * 7919 + ((i * i) % 13)) % 26)),
  ).join('');
  const pairs = Math.floor((chars - 3) / 2);
  return {
    'a-run': fill('a'),
    'upper-run': fill('A'),
    cjk: fill('漢字仮名交じり文の日本語テキスト中文字符'),
    emoji: fill('😀🎉👍🏽🚀'),
    'digit-run': fill('1234567890'),
    'paren-run': fill('('),
    'close-paren-run': `1${' )'.repeat(pairs)} 1`,
    'space-run': `${' '.repeat(chars - 1)}x`,
    'newline-run': `${'\n'.repeat(chars - 1)}x`,
    'punct-junk': junk,
    'random-words': words,
    'arithmetic-chain': fill('1 + '),
    'arithmetic-many': fill('1+1 a '),
    'arithmetic-growing': Array.from({ length: chars }, (_, i) => `1+${i} a `)
      .join('')
      .slice(0, chars),
    'nested-parens': `${'('.repeat(chars / 2 - 1)}1${')'.repeat(chars / 2 - 1)}`.slice(0, chars),
    'search-kb-junk': `search the knowledge base for ${junk}`.slice(0, chars),
    'search-repeated': `${fill('search ')} in the docs`.slice(-chars),
    'search-repeated-no-kb': `${fill('search ')}docs`.slice(-chars),
    'search-kb-repeated-newline': `${fill('search kb ')}\nx`.slice(-chars),
    'search-trailing-marks': `search the knowledge base for x${fill(' ?')}y`.slice(0, chars),
    'time-zone-junk': `what time is it in Europe/${fill('Abcdef')}`.slice(0, chars),
    'time-upper-junk': `what time is it ${fill('Aa/')}`.slice(0, chars),
    'look-spaces': `look${' '.repeat(chars - 10)}kb find`,
  };
}

const ALL_TOOLS = new Set(Object.values(TOOL_NAMES));
const splitter = new RecursiveTextSplitter({ chunkSize: 1000, chunkOverlap: 200 });
const embeddings = new LocalHashEmbeddings();

/** A long conversation: `count` stored messages of `chars` characters, as the runner builds it. */
function longHistory(text: string, count: number): BaseMessage[] {
  const history = Array.from({ length: count }, (_, i) => ({
    role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
    content: text,
  }));
  return toAgentMessages(history, text);
}

/** Every function that reads user text, on one input. */
const FUNCTIONS: Record<string, (text: string) => unknown> = {
  countTokens: (text) => countTokens(text),
  countMessageTokens: (text) => countMessageTokens(new HumanMessage(text)),
  'countMessageTokens(tool args)': (text) =>
    countMessageTokens(
      new AIMessage({
        content: '',
        tool_calls: [{ id: 'c', name: TOOL_NAMES.searchKnowledgeBase, args: { query: text } }],
      }),
    ),
  'trimHistory(1 message)': (text) => trimHistory([new HumanMessage(text)], 8000),
  'trimHistory(200 messages)': (text) => trimHistory(longHistory(text, 200), 8000),
  planLocalReply: (text) => planLocalReply([new HumanMessage(text)], ALL_TOOLS),
  findExpression: (text) => findExpression(text),
  'evaluateExpression(500)': (text) => {
    try {
      return evaluateExpression(text.slice(0, 500));
    } catch {
      return undefined;
    }
  },
  normaliseQuestion: (text) => normaliseQuestion(text),
  'splitText(chunk 1000)': (text) => splitter.splitText(text),
  'embedQuery(local)': (text) => embeddings.embed(text),
};

/** Calls per input; the median is reported, and the slowest (a garbage collection, often). */
const CALLS = 7;

interface Measurement {
  name: string;
  ms: number;
  maxMs: number;
}

/** Child: times `fnName` on each input from `first` on, one JSON line per input. */
async function measureFrom(fnName: string, first: number, chars: number): Promise<void> {
  const inputs = Object.entries(hostileInputs(chars)).slice(first);
  const fn = FUNCTIONS[fnName];
  countTokens('warm up');
  await fn('warm up 1 + 2 search the docs for x');
  for (const [name, text] of inputs) {
    await fn(text);
    const times: number[] = [];
    for (let i = 0; i < CALLS; i += 1) {
      const before = process.cpuUsage();
      await fn(text);
      const used = process.cpuUsage(before);
      times.push((used.user + used.system) / 1000);
    }
    times.sort((a, b) => a - b);
    const result: Measurement = { name, ms: times[CALLS >> 1], maxMs: times[CALLS - 1] };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
}

/**
 * Runs one function over every input in a child process; a case that takes longer than `limitMs`
 * kills the child, is reported as over the limit, and a new child goes on from the next input.
 */
async function measureFunction(fnName: string, chars: number, limitMs: number) {
  const names = Object.keys(hostileInputs(chars));
  const results = new Map<string, Measurement>();
  const overLimit = (name: string) => ({ name, ms: Infinity, maxMs: Infinity });
  while (results.size < names.length) {
    const first = results.size;
    const child = spawn(
      process.execPath,
      [...process.execArgv, __filename, '--child', fnName, String(first), String(chars)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    // The first input also waits for the child to start (ts-node, the tokenizer's ranks: ~10 s on
    // a loaded machine).
    const perInput = limitMs * (CALLS + 1);
    let timer = setTimeout(() => child.kill('SIGKILL'), perInput + 30_000);
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const measured = JSON.parse(line) as Measurement;
      results.set(measured.name, measured);
      clearTimeout(timer);
      timer = setTimeout(() => child.kill('SIGKILL'), perInput);
    });
    await once(child, 'exit');
    clearTimeout(timer);
    if (results.size < names.length && (results.size === first || child.signalCode)) {
      results.set(names[results.size], overLimit(names[results.size]));
    }
  }
  return names.map((name) => results.get(name) ?? overLimit(name));
}

function parseArgs(argv: string[]) {
  const options = { chars: 32_000, limitMs: 5_000, filter: '' };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--chars') options.chars = Number(argv[(i += 1)]);
    else if (argv[i] === '--limit-ms') options.limitMs = Number(argv[(i += 1)]);
    else options.filter = argv[i];
  }
  return options;
}

const shown = (ms: number, limitMs: number) =>
  Number.isFinite(ms) ? ms.toFixed(1) : `>${limitMs}`;

async function main(): Promise<void> {
  const [mode, fnName, firstArg, charsArg] = process.argv.slice(2);
  if (mode === '--child') return measureFrom(fnName, Number(firstArg), Number(charsArg));
  const { chars, limitMs, filter } = parseArgs(process.argv.slice(2));
  console.log(`CPU ms per call at ${chars} characters, median/slowest of ${CALLS} calls`);
  const worst: Array<{ fnName: string; worst: Measurement }> = [];
  for (const name of Object.keys(FUNCTIONS)) {
    if (filter && !filter.split(',').some((part) => name.includes(part))) continue;
    const row = await measureFunction(name, chars, limitMs);
    const cells = row.map((r) => `${r.name}=${shown(r.ms, limitMs)}/${shown(r.maxMs, limitMs)}`);
    console.log(`${name}: ${cells.join('  ')}`);
    worst.push({ fnName: name, worst: row.reduce((a, b) => (b.ms > a.ms ? b : a)) });
  }
  console.log('\nWorst input per function (median/slowest ms):');
  for (const { fnName: name, worst: w } of worst) {
    const figures = `${shown(w.ms, limitMs)}/${shown(w.maxMs, limitMs)}`;
    console.log(`  ${name.padEnd(32)} ${figures.padStart(14)}  (${w.name})`);
  }
}

void main();
