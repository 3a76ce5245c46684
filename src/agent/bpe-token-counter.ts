import type { TiktokenBPE } from 'js-tiktoken/lite';

/**
 * Counts tokens of a tiktoken byte-pair encoding exactly as js-tiktoken's
 * `encode(text, [], []).length` does (same pre-tokenizer, same merges, special-token markers as
 * plain text), in time O(n log n) in the length of each pre-tokenizer piece.
 *
 * Why not js-tiktoken itself: its merge loop rescans every pair of a piece after each merge and
 * builds each pair's key by slicing and joining a byte array, so it is quadratic in the piece, and
 * its pre-tokenizer makes one piece of a whole run of letters, CJK characters, symbols or white
 * space, so a long run of one letter takes minutes (docs/PERFORMANCE.md). Here the merges come from a
 * heap of the pairs, keyed by rank then position (the lowest rank first, the leftmost on a tie,
 * which is the order js-tiktoken merges in), and a pair's key is a substring of the piece's
 * bytes held as a Latin-1 string.
 */
export class BpeTokenCounter {
  /** Rank of each token, keyed by its bytes as a Latin-1 string (one character per byte). */
  private readonly ranks = new Map<string, number>();
  private readonly pattern: RegExp;
  private work = { next: new Int32Array(64), prev: new Int32Array(64), heap: new MinHeap() };

  /** @param bpe the encoding, e.g. `js-tiktoken/ranks/o200k_base` */
  constructor(bpe: TiktokenBPE) {
    this.pattern = new RegExp(bpe.pat_str, 'gu');
    // Lines of "<marker> <first rank> <base64 token> <base64 token>…", ranks in order.
    for (const line of bpe.bpe_ranks.split('\n')) {
      const [, offset, ...tokens] = line.split(' ');
      if (offset === undefined) continue;
      const first = Number.parseInt(offset, 10);
      tokens.forEach((token, i) => {
        this.ranks.set(Buffer.from(token, 'base64').toString('latin1'), first + i);
      });
    }
  }

  /** How many tokens the text encodes to. */
  count(text: string): number {
    let total = 0;
    for (const [piece] of text.matchAll(this.pattern)) total += this.countPiece(piece);
    return total;
  }

  private countPiece(piece: string): number {
    const bytes = ASCII.test(piece) ? piece : Buffer.from(piece, 'utf8').toString('latin1');
    if (bytes.length <= 1 || this.ranks.has(bytes)) return 1;
    return this.mergedParts(bytes);
  }

  /** Merges the piece's bytes pair by pair and answers how many parts are left. */
  private mergedParts(bytes: string): number {
    const n = bytes.length;
    const { next, prev, heap } = this.scratch(n);
    // The parts form a linked list: a part starts at `start` and ends where `next[start]` starts;
    // `next[start]` is 0 once the part has been merged into the one on its left.
    for (let i = 0; i < n; i += 1) {
      next[i] = i + 1;
      prev[i] = i - 1;
    }
    const pairRank = (start: number): number => {
      const mid = next[start];
      if (mid >= n) return -1;
      return this.ranks.get(bytes.slice(start, next[mid])) ?? -1;
    };
    // Entries are rank * n + start: ordered by rank, then by position.
    const push = (start: number) => {
      const rank = pairRank(start);
      if (rank >= 0) heap.push(rank * n + start);
    };
    for (let i = 0; i < n - 1; i += 1) push(i);

    let parts = n;
    while (heap.size > 0) {
      const key = heap.pop();
      const start = key % n;
      // A stale entry: the pair it was made for has been merged into a longer one since.
      if (next[start] === 0 || pairRank(start) !== (key - start) / n) continue;
      const mid = next[start];
      next[start] = next[mid];
      next[mid] = 0;
      if (next[start] < n) prev[next[start]] = start;
      parts -= 1;
      if (prev[start] >= 0) push(prev[start]);
      push(start);
    }
    return parts;
  }

  /** Working arrays for a piece of `n` bytes, reused between pieces. */
  private scratch(n: number) {
    if (this.work.next.length < n) {
      const size = Math.max(n, 2 * this.work.next.length);
      this.work = { next: new Int32Array(size), prev: new Int32Array(size), heap: this.work.heap };
    }
    this.work.heap.clear();
    return this.work;
  }
}

const ASCII = /^[\0-\x7f]*$/;

/** A binary min-heap of numbers. */
class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  clear(): void {
    this.items.length = 0;
  }

  push(value: number): void {
    const items = this.items;
    let i = items.length;
    items.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent] <= value) break;
      items[i] = items[parent];
      i = parent;
    }
    items[i] = value;
  }

  /** Removes and returns the smallest value; the heap must not be empty. */
  pop(): number {
    const items = this.items;
    const top = items[0];
    const last = items.pop() as number;
    const size = items.length;
    if (size === 0) return top;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && items[child + 1] < items[child]) child += 1;
      if (items[child] >= last) break;
      items[i] = items[child];
      i = child;
    }
    items[i] = last;
    return top;
  }
}
