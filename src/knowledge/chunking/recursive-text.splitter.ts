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
    const finer = separators.slice(index + 1);
    const pieces = separator === '' ? [...text] : text.split(separator);

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
      chunks.push(...(finer.length > 0 ? this.split(piece, finer) : [piece]));
    }
    if (fitting.length > 0) chunks.push(...this.merge(fitting, separator));
    return chunks;
  }

  /** Joins small pieces into chunks up to the size, starting each chunk with the overlap. */
  private merge(pieces: readonly string[], separator: string): string[] {
    const chunks: string[] = [];
    const current: string[] = [];
    let length = 0;
    const joinedLength = (extra: number) =>
      length + extra + (current.length > 0 ? separator.length : 0);

    for (const piece of pieces) {
      if (joinedLength(piece.length) > this.chunkSize && current.length > 0) {
        pushChunk(chunks, current.join(separator));
        // Keep the tail that fits in the overlap (and leaves room for the new piece).
        while (
          length > this.chunkOverlap ||
          (length > 0 && joinedLength(piece.length) > this.chunkSize)
        ) {
          const dropped = current.shift() ?? '';
          length -= dropped.length + (current.length > 0 ? separator.length : 0);
        }
      }
      current.push(piece);
      length += piece.length + (current.length > 1 ? separator.length : 0);
    }
    pushChunk(chunks, current.join(separator));
    return chunks;
  }
}

function pushChunk(chunks: string[], chunk: string): void {
  const trimmed = chunk.trim();
  if (trimmed !== '') chunks.push(trimmed);
}
