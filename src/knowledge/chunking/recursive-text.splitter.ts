/** Sizes of a {@link RecursiveTextSplitter}, in characters. */
export interface TextSplitterOptions {
  chunkSize: number;
  /** Characters neighbouring chunks share, so a sentence cut at a border is whole in one of them. */
  chunkOverlap: number;
}

/** Tried in order: paragraphs, lines, words, then characters. */
const SEPARATORS = ['\n\n', '\n', ' ', ''] as const;

/**
 * Splits text into chunks of at most `chunkSize` characters at the largest natural border that
 * fits (paragraph, line, word, and only then mid-word), neighbours sharing up to `chunkOverlap`
 * characters. The algorithm of LangChain's `RecursiveCharacterTextSplitter`
 * (`@langchain/textsplitters`, not a dependency of this project), with the same `splitText`
 * method, so either can stand in for the other.
 */
export class RecursiveTextSplitter {
  private readonly chunkSize: number;
  private readonly chunkOverlap: number;

  /** @throws Error when the overlap is not smaller than the size */
  constructor(options: TextSplitterOptions) {
    if (!(options.chunkSize > 0) || !(options.chunkOverlap >= 0)) {
      throw new Error('chunkSize must be positive and chunkOverlap not negative');
    }
    if (options.chunkOverlap >= options.chunkSize) {
      throw new Error(
        `chunkOverlap (${options.chunkOverlap}) must be smaller than chunkSize (${options.chunkSize})`,
      );
    }
    this.chunkSize = options.chunkSize;
    this.chunkOverlap = options.chunkOverlap;
  }

  /** The chunks of `text`, trimmed, none empty, in order. */
  splitText(text: string): Promise<string[]> {
    return Promise.resolve(this.split(text, SEPARATORS));
  }

  private split(text: string, separators: readonly string[]): string[] {
    // The first separator the text contains; "" (characters) always does.
    const index = separators.findIndex((s) => s === '' || text.includes(s));
    const separator = separators[index] ?? '';
    if (separator === '') return this.mergeCharacters(text);
    const finer = separators.slice(index + 1);
    const pieces = text.split(separator);

    const chunks: string[] = [];
    let fitting: string[] = [];
    for (const piece of pieces) {
      if (piece.length <= this.chunkSize) {
        fitting.push(piece);
        continue;
      }
      // A piece too large on its own is split at a finer border.
      if (fitting.length > 0) chunks.push(...this.merge(fitting, separator));
      fitting = [];
      chunks.push(...this.split(piece, finer));
    }
    if (fitting.length > 0) chunks.push(...this.merge(fitting, separator));
    return chunks;
  }

  /**
   * What {@link merge} makes of the text's characters joined by "", without an array of every
   * character: windows of the text, each starting with the overlap.
   */
  private mergeCharacters(text: string): string[] {
    const chunks: string[] = [];
    let head = 0;
    for (let i = 0; i < text.length;) {
      const width = charWidth(text, i);
      if (i - head + width > this.chunkSize && i > head) {
        pushChunk(chunks, text.slice(head, i));
        while (i - head > this.chunkOverlap || (i > head && i - head + width > this.chunkSize)) {
          head += charWidth(text, head);
        }
      }
      i += width;
    }
    pushChunk(chunks, text.slice(head));
    return chunks;
  }

  /**
   * Joins small pieces into chunks up to the size, starting each chunk with the overlap. The
   * current chunk is `pieces[head..i)`: dropping its first piece moves `head` on, where
   * `Array.shift` would move every other piece (quadratic for a chunk of a thousand characters).
   */
  private merge(pieces: readonly string[], separator: string): string[] {
    const chunks: string[] = [];
    let head = 0;
    let length = 0;
    for (let i = 0; i < pieces.length; i += 1) {
      const piece = pieces[i];
      // The length of the current chunk with this piece joined to it.
      let joined = length + piece.length + (i > head ? separator.length : 0);
      if (joined > this.chunkSize && i > head) {
        pushChunk(chunks, pieces.slice(head, i).join(separator));
        // Keep the tail that fits in the overlap (and leaves room for the new piece).
        while (length > this.chunkOverlap || (length > 0 && joined > this.chunkSize)) {
          const dropped = pieces[head];
          head += 1;
          length -= dropped.length + (i > head ? separator.length : 0);
          joined = length + piece.length + (i > head ? separator.length : 0);
        }
      }
      length = joined;
    }
    pushChunk(chunks, pieces.slice(head).join(separator));
    return chunks;
  }
}

/** UTF-16 code units of the character at `i`: 2 for a surrogate pair, which is never cut. */
function charWidth(text: string, i: number): number {
  const code = text.charCodeAt(i);
  if (code < 0xd800 || code > 0xdbff) return 1;
  const next = text.charCodeAt(i + 1);
  return next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
}

function pushChunk(chunks: string[], chunk: string): void {
  const trimmed = chunk.trim();
  if (trimmed !== '') chunks.push(trimmed);
}
