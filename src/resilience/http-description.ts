/**
 * How an error should be answered over HTTP. Structurally the same as what the global problem
 * details filter accepts from an error's `toHttp()`, so resilience errors map themselves without
 * this folder importing the HTTP layer.
 */
export interface HttpDescription {
  status: number;
  /** Stable, snake_case; becomes the problem `type` clients branch on. */
  code: string;
  detail: string;
  headers?: Record<string, string>;
}
