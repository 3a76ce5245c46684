/**
 * A one-consumer async queue: producers `push` (never blocking) and `end`; the consumer iterates
 * with `for await`. Hands a run's events to one HTTP response, whatever their source (the run in
 * this process, or storage for a run executing on another instance).
 */
export class EventFeed<T> implements AsyncIterable<T> {
  private readonly queue: T[] = [];
  private waiting?: (result: IteratorResult<T>) => void;
  private ended = false;
  private onRelease?: () => void;

  /** @param onRelease called once, when the feed ends or the consumer stops iterating */
  constructor(onRelease?: () => void) {
    this.onRelease = onRelease;
  }

  /** Whether `end()` was called or the consumer left. */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Adds an item; ignored once the feed has ended. */
  push(item: T): void {
    if (this.ended) return;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting({ value: item, done: false });
    } else {
      this.queue.push(item);
    }
  }

  /** Ends the feed: the consumer gets the queued items, then done. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.release();
    const waiting = this.waiting;
    if (waiting && this.queue.length === 0) {
      this.waiting = undefined;
      waiting({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.queue.length > 0)
          return Promise.resolve({ value: this.queue.shift()!, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
      return: () => {
        this.queue.length = 0;
        this.ended = true;
        this.release();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  private release(): void {
    const callback = this.onRelease;
    this.onRelease = undefined;
    callback?.();
  }
}
