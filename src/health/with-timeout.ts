/**
 * Settles as `work` does, or with `onTimeout()` after `timeoutMs` if `work` has not settled by
 * then, so one hung dependency cannot hang a health endpoint. `work` is not cancelled: give it
 * its own timeout where it can take one (a fetch signal, a statement timeout).
 */
export function withTimeout<T>(
  work: () => PromiseLike<T> | T,
  timeoutMs: number,
  onTimeout: () => T,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout()), timeoutMs);
  });
  const settled = Promise.resolve().then(work);
  return Promise.race([settled, expired]).finally(() => clearTimeout(timer));
}
