import { setImmediate as nextTurn } from 'node:timers/promises';
import { Embeddings } from '@langchain/core/embeddings';
import { hash32, isContentWord, lightStem, trigrams, words } from './text-features';

/**
 * Embedding is synchronous and linear in the text: a document of a megabyte would hold the event
 * loop for long, so after this long the other requests get their turn.
 */
const YIELD_AFTER_MS = 10;

/** How much each kind of feature counts; a word shared exactly scores on all of them. */
const WEIGHTS = { word: 1, stem: 1, pair: 0.5, trigrams: 1.5 } as const;

/**
 * A **development** embedding: deterministic, offline, no model file. Each text becomes the
 * signed feature-hashing of its content words, their light stems, neighbouring word pairs and the
 * words' character trigrams, into `dimensions` slots, L2-normalised. Texts that share words, stems
 * or spellings come out close; it knows nothing of synonyms ("car" is not near "automobile").
 * Use `openai` or `ollama` embeddings for real semantic search.
 */
export class LocalHashEmbeddings extends Embeddings {
  /**
   * @param dimensions length of every vector (384 by default, like small sentence encoders)
   */
  constructor(readonly dimensions = 384) {
    super({});
    if (!Number.isInteger(dimensions) || dimensions < 8) {
      throw new Error(`LocalHashEmbeddings needs at least 8 dimensions, got ${dimensions}`);
    }
  }

  /** Embeds each text, letting other requests run between texts every few milliseconds. */
  async embedDocuments(texts: string[]): Promise<number[][]> {
    const vectors: number[][] = [];
    let sliceStarted = performance.now();
    for (const text of texts) {
      if (performance.now() - sliceStarted > YIELD_AFTER_MS) {
        await nextTurn();
        sliceStarted = performance.now();
      }
      vectors.push(this.embed(text));
    }
    return vectors;
  }

  /** Embeds a search query, exactly as a document. */
  embedQuery(text: string): Promise<number[]> {
    return Promise.resolve(this.embed(text));
  }

  /** The vector of one text, synchronously. */
  embed(text: string): number[] {
    const features = new Map<string, number>();
    const add = (feature: string, weight: number) =>
      features.set(feature, (features.get(feature) ?? 0) + weight);

    const content = words(text).filter(isContentWord);
    const stems = content.map(lightStem);
    content.forEach((word, i) => {
      add(`w:${word}`, WEIGHTS.word);
      add(`s:${stems[i]}`, WEIGHTS.stem);
      const grams = trigrams(word);
      // Each word's trigrams weigh as much together as the word itself, however long it is.
      const gramWeight = WEIGHTS.trigrams / Math.sqrt(grams.length);
      for (const gram of grams) add(`c:${gram}`, gramWeight);
      if (i > 0) add(`p:${stems[i - 1]} ${stems[i]}`, WEIGHTS.pair);
    });
    // A text with no content words still gets a direction, so no vector is all zeros.
    if (features.size === 0) add('empty', 1);

    const vector = new Array<number>(this.dimensions).fill(0);
    for (const [feature, weight] of features) {
      const h = hash32(feature);
      // Sublinear term frequency: a word said ten times is not ten times as telling.
      const damped = weight > 1 ? 1 + Math.log(weight) : weight;
      vector[h % this.dimensions] += (h & 0x80000000 ? -1 : 1) * damped;
    }
    const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
    return norm > 0 ? vector.map((x) => x / norm) : vector;
  }
}
