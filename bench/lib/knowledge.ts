/**
 * What the knowledge scenario, the load agent and the baseline share: the vector search budget,
 * and the synthetic corpus with its queries.
 *
 * The corpus is deterministic (a seeded generator per document, so the load agent can make
 * document `i` on its own and every run ingests the same text), with a vocabulary varied enough
 * for full-text search and the local embedding to mean something. Each document belongs to one of
 * {@link TOPICS}: its sentences mix that topic's words with general words, some much more common
 * than others as in real text, so a query of topic words matches a few percent of the chunks and
 * a common word many.
 *
 * Sizes: a document is `paragraphs` paragraphs of 600–950 characters separated by blank lines.
 * With the app's default splitter settings (`KNOWLEDGE_CHUNK_SIZE` 1000, `KNOWLEDGE_CHUNK_OVERLAP`
 * 200) every paragraph is one chunk: two never fit in 1000 characters together, and a paragraph is
 * longer than the overlap so none is repeated. The app's answer (`chunk_count`) is what is counted.
 */

/**
 * The knowledge scenario's app instance gets this `CB_VECTOR_SEARCH_CALL_TIMEOUT_MS` (default
 * 2,000) so that a slow exact search over the whole corpus is measured rather than cut short and
 * answered by the keyword fallback; the breaker also makes it the search's statement timeout, and
 * the baseline uses the same. Answers slower than the default are counted separately.
 */
export const KNOWLEDGE_SEARCH_TIMEOUT_MS = 60_000;
/** The app's default `vector_search` call timeout, for that count. */
export const DEFAULT_VECTOR_SEARCH_TIMEOUT_MS = 2_000;

/** Words of each topic; a document's sentences draw from its topic's list. */
const TOPICS: readonly (readonly string[])[] = [
  ['refund', 'invoice', 'payment', 'billing', 'receipt', 'charge', 'credit', 'subscription', 'discount', 'currency'],
  ['shipping', 'parcel', 'courier', 'delivery', 'warehouse', 'tracking', 'customs', 'freight', 'pallet', 'dispatch'],
  ['password', 'login', 'account', 'authentication', 'token', 'session', 'verification', 'recovery', 'username', 'lockout'],
  ['database', 'replica', 'index', 'query', 'backup', 'schema', 'migration', 'transaction', 'vacuum', 'partition'],
  ['kubernetes', 'container', 'cluster', 'deployment', 'pod', 'ingress', 'helm', 'namespace', 'autoscaler', 'node'],
  ['warranty', 'repair', 'defect', 'replacement', 'technician', 'diagnosis', 'spare', 'battery', 'screen', 'hinge'],
  ['privacy', 'consent', 'cookie', 'retention', 'erasure', 'processor', 'controller', 'breach', 'regulation', 'audit'],
  ['recipe', 'flour', 'butter', 'oven', 'dough', 'yeast', 'sugar', 'bake', 'knead', 'crust'],
  ['garden', 'soil', 'compost', 'seedling', 'pruning', 'irrigation', 'mulch', 'perennial', 'fertilizer', 'greenhouse'],
  ['invoice', 'ledger', 'accounting', 'audit', 'depreciation', 'asset', 'liability', 'equity', 'accrual', 'reconciliation'],
  ['vaccine', 'clinic', 'appointment', 'prescription', 'pharmacy', 'dosage', 'symptom', 'referral', 'nurse', 'insurance'],
  ['flight', 'boarding', 'luggage', 'passport', 'airline', 'layover', 'terminal', 'visa', 'seat', 'itinerary'],
  ['solar', 'inverter', 'panel', 'grid', 'kilowatt', 'storage', 'meter', 'tariff', 'installation', 'roof'],
  ['telescope', 'galaxy', 'orbit', 'planet', 'nebula', 'comet', 'eclipse', 'spectrum', 'observatory', 'asteroid'],
  ['contract', 'clause', 'termination', 'liability', 'indemnity', 'signature', 'renewal', 'jurisdiction', 'arbitration', 'notice'],
  ['keyboard', 'monitor', 'laptop', 'charger', 'firmware', 'driver', 'bluetooth', 'adapter', 'printer', 'cable'],
  ['salary', 'payroll', 'vacation', 'benefits', 'pension', 'overtime', 'onboarding', 'contractor', 'timesheet', 'bonus'],
  ['bicycle', 'gear', 'brake', 'tire', 'chain', 'saddle', 'pedal', 'derailleur', 'spoke', 'helmet'],
  ['streaming', 'latency', 'buffer', 'bandwidth', 'codec', 'resolution', 'subtitle', 'playback', 'bitrate', 'encoder'],
  ['mortgage', 'interest', 'loan', 'deposit', 'lender', 'appraisal', 'collateral', 'amortization', 'refinance', 'escrow'],
]; // prettier-ignore

/** General words every topic uses; half drawn uniformly, half skewed toward the first ones. */
const GENERAL = (
  'time year people way day customer service team system process result support change ' +
  'information order product request problem issue case policy number price report level ' +
  'question answer option detail data document record item list page form step rule plan ' +
  'model value cost quality review feature update version release access user group member ' +
  'manager office company business market client partner supplier vendor contact email phone ' +
  'address message notice letter copy file folder link website application platform tool device ' +
  'network server storage memory speed performance capacity limit error failure warning alert ' +
  'status state condition requirement standard guideline procedure practice method approach ' +
  'strategy goal target measure figure amount total average balance rate percentage period ' +
  'month week hour minute morning evening weekend holiday season region country city area ' +
  'location site building room floor desk schedule meeting call visit trip event project task ' +
  'priority deadline delay progress milestone budget estimate forecast analysis research study ' +
  'survey feedback complaint comment suggestion improvement solution fix workaround exception ' +
  'approval permission role responsibility owner author editor reader viewer participant ' +
  'session history archive summary overview introduction conclusion example reference source ' +
  'material resource equipment component part module package bundle kit set series range ' +
  'category type kind class tier plan level stage phase cycle round batch queue stack layer ' +
  'border edge center corner surface depth height width length weight size shape color pattern'
).split(' ');

/** Short connecting words: stopwords to the full-text search and the local embedding alike. */
const GLUE = ['the', 'a', 'of', 'to', 'and', 'for', 'with', 'on', 'in', 'is', 'are', 'by', 'when'];

const MIN_PARAGRAPH = 600;
const MAX_PARAGRAPH = 950;
const SEED = 0x6b6e6f77;

/** mulberry32: a small, fast, seedable generator; the same seed gives the same sequence. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An index in 0..n-1, skewed toward 0 (roughly Zipf: the k-th is about 1/k as likely as the first). */
function skewed(random: () => number, n: number): number {
  return Math.min(n - 1, Math.floor(Math.exp(random() * Math.log(n + 1)) - 1));
}

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)];
}

function sentence(random: () => number, topic: readonly string[]): string {
  const length = 6 + Math.floor(random() * 9);
  const words: string[] = [];
  for (let i = 0; i < length; i++) {
    const r = random();
    words.push(
      r < 0.3
        ? pick(random, topic)
        : r < 0.5
          ? pick(random, GLUE)
          : GENERAL[
              random() < 0.5
                ? skewed(random, GENERAL.length)
                : Math.floor(random() * GENERAL.length)
            ],
    );
  }
  const text = words.join(' ');
  return `${text[0].toUpperCase()}${text.slice(1)}.`;
}

function paragraph(random: () => number, topic: readonly string[]): string {
  const target = MIN_PARAGRAPH + Math.floor(random() * (MAX_PARAGRAPH - MIN_PARAGRAPH));
  let text = sentence(random, topic);
  for (;;) {
    const next = sentence(random, topic);
    // Stops before the target, unless that would leave the paragraph short: a sentence is at
    // most ~230 characters, so appending one to a short paragraph stays under the maximum.
    if (text.length + 1 + next.length > target && text.length >= MIN_PARAGRAPH) return text;
    text = `${text} ${next}`;
  }
}

/** Document `index` of the corpus: a title and `paragraphs` paragraphs separated by blank lines. */
export function corpusDocument(
  index: number,
  paragraphs: number,
): { title: string; content: string; metadata: Record<string, unknown> } {
  const topicIndex = index % TOPICS.length;
  const topic = TOPICS[topicIndex];
  const random = generator(SEED + index);
  const content = Array.from({ length: paragraphs }, () => paragraph(random, topic)).join('\n\n');
  return {
    title: `${topic[0]} ${topic[1]} handbook, part ${Math.floor(index / TOPICS.length) + 1}`,
    content,
    metadata: { source: 'bench', topic: topic[0] },
  };
}

/**
 * The search queries, rotated by the load: per topic, two or three of its words (selective: a few
 * percent of the chunks have them), some with a general word (common words match far more chunks,
 * which is what makes a keyword search cost more), and a few questions in plain English.
 */
export function corpusQueries(): string[] {
  const random = generator(SEED - 1);
  const queries = TOPICS.map((topic, i) => {
    const words = [pick(random, topic), pick(random, topic)];
    if (i % 3 === 0) words.push(pick(random, topic));
    if (i % 2 === 1) words.push(GENERAL[10 + Math.floor(random() * 40)]);
    return [...new Set(words)].join(' ');
  });
  return [
    ...queries,
    'how do I get a refund for a duplicate charge',
    'what is the delivery time for a parcel sent abroad',
    'reset my password after an account lockout',
    'customer service policy',
  ];
}
