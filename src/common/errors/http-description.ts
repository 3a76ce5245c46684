/**
 * How an error is answered over HTTP: what an error's own `toHttp()` returns, and what a
 * dependency's {@link HttpErrorDescriber} says of errors that cannot carry one.
 */
export interface HttpDescription {
  status: number;
  /** Stable, snake_case; becomes the problem `type` clients branch on. */
  code: string;
  detail: string;
  headers?: Record<string, string>;
}

/**
 * Describes as HTTP the errors of one dependency that cannot describe themselves (a driver's own
 * errors); undefined for any error it does not recognise.
 */
export type HttpErrorDescriber = (error: unknown) => HttpDescription | undefined;
