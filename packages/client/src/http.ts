import { AgentApiError } from './errors.js';
import type { Problem } from './types.js';

/** Where the server is and how to reach it. */
export interface HttpSettings {
  /** The server's origin, e.g. `https://agents.example.com` (the API lives under `/api/v1`). */
  baseUrl: string;
  /** A bearer token, or a function returning the current one (called for every request). */
  token?: string | (() => string | undefined | Promise<string | undefined>);
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch;
  /** How many times a 429 or 503 (or a network failure of a safe request) is retried. Default 3. */
  maxRetries?: number;
  /** The longest wait before a retry; a `Retry-After` longer than this is not waited for. Default 30 s. */
  maxRetryDelayMs?: number;
}

/** One request. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path under `/api/v1`, with its query string. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /**
   * Whether sending it twice does no harm (GET, DELETE, or a POST with an Idempotency-Key): only
   * then is a network failure retried.
   */
  safeToRepeat: boolean;
}

const API_PREFIX = '/api/v1';

/** Sends requests with auth, and retries what the server asks to retry (bounded). */
export class Http {
  private readonly fetchImpl: typeof fetch;
  readonly maxRetries: number;
  readonly maxRetryDelayMs: number;

  constructor(private readonly settings: HttpSettings) {
    // Bound to globalThis: browsers refuse a `fetch` called with another `this`.
    this.fetchImpl = settings.fetch ?? globalThis.fetch.bind(globalThis);
    this.maxRetries = settings.maxRetries ?? 3;
    this.maxRetryDelayMs = settings.maxRetryDelayMs ?? 30_000;
  }

  /** The absolute URL of an API path. */
  url(path: string): string {
    return new URL(API_PREFIX + path, this.settings.baseUrl).toString();
  }

  /**
   * Sends the request; answers the response when it is a success (2xx).
   * @throws AgentApiError for an error answer once retries are spent; the fetch error for a
   *   network failure; the signal's reason once aborted
   */
  async send(request: HttpRequest): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetchImpl(this.url(request.path), {
          method: request.method,
          headers: await this.headers(request),
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
          signal: request.signal,
        });
      } catch (error) {
        request.signal?.throwIfAborted();
        if (!request.safeToRepeat || attempt >= this.maxRetries) throw error;
        await sleep(backoffMs(attempt), request.signal);
        continue;
      }
      if (response.ok) return response;
      const error = await toApiError(response);
      const wait = retryWaitMs(error, attempt);
      if (wait === undefined || attempt >= this.maxRetries || wait > this.maxRetryDelayMs) {
        throw error;
      }
      await sleep(wait, request.signal);
    }
  }

  /** Sends the request and parses its JSON answer (undefined for 204). */
  async json<T>(request: HttpRequest): Promise<T> {
    const response = await this.send(request);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  private async headers(request: HttpRequest): Promise<Record<string, string>> {
    const token =
      typeof this.settings.token === 'function' ? await this.settings.token() : this.settings.token;
    return {
      Accept: 'application/json',
      ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...request.headers,
    };
  }
}

/**
 * How long to wait before retrying an error answer, or undefined when it must not be retried:
 * 429 and 503 are retried after their `Retry-After` (or a backoff when they have none).
 */
function retryWaitMs(error: AgentApiError, attempt: number): number | undefined {
  if (error.status !== 429 && error.status !== 503) return undefined;
  return error.retryAfterMs ?? backoffMs(attempt);
}

/** 0.5 s, 1 s, 2 s… with jitter, so that clients refused together do not come back together. */
function backoffMs(attempt: number): number {
  return Math.round(500 * 2 ** attempt * (0.75 + Math.random() * 0.5));
}

/** Reads an error answer into an {@link AgentApiError}. */
export async function toApiError(response: Response): Promise<AgentApiError> {
  let problem: Problem;
  try {
    const body: unknown = await response.json();
    problem =
      body && typeof body === 'object' && 'status' in body
        ? (body as Problem)
        : { type: 'about:blank', title: response.statusText, status: response.status };
  } catch {
    problem = { type: 'about:blank', title: response.statusText, status: response.status };
  }
  return new AgentApiError(
    problem,
    parseRetryAfter(response.headers.get('Retry-After')),
    response.headers.get('X-Request-Id') ?? undefined,
  );
}

/** `Retry-After` (seconds, or an HTTP date) in milliseconds. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Waits `ms`, or throws the signal's reason as soon as it is aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
