import type { DependencyState } from './dependency-report';

/** What a reachability probe of the model provider found. */
export interface LlmProbeResult {
  readonly state: DependencyState;
  /** The URL probed (credentials removed); absent when nothing is called. */
  readonly endpoint?: string;
  readonly http_status?: number;
  readonly latency_ms?: number;
  readonly message?: string;
  /** Set when there is nothing to call: whether credentials are configured. */
  readonly configured?: boolean;
  readonly checked_at: string;
}

/** Where and how to probe; built from the `llm` config. */
export interface LlmProbeTarget {
  /** The URL to GET; undefined: nothing to call, `result` is the answer. */
  readonly url?: string;
  readonly headers?: Record<string, string>;
  /** The fixed answer when there is no URL. */
  readonly result?: Omit<LlmProbeResult, 'checked_at'>;
}

/**
 * Probes the model provider's cheapest endpoint (a model list, never a completion), with a short
 * timeout, and reuses the result for `cacheMs` so probes never multiply provider traffic.
 * Concurrent callers share one request.
 */
export class LlmProviderProbe {
  private cached: { result: LlmProbeResult; at: number } | undefined;
  private inFlight: Promise<LlmProbeResult> | undefined;

  constructor(
    private readonly target: LlmProbeTarget,
    private readonly timeoutMs: number,
    private readonly cacheMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The latest result, probing again when the cached one is older than `cacheMs`. */
  async current(): Promise<LlmProbeResult & { cached: boolean }> {
    if (this.cached && this.now() - this.cached.at < this.cacheMs) {
      return { ...this.cached.result, cached: true };
    }
    this.inFlight ??= this.probe().finally(() => (this.inFlight = undefined));
    const result = await this.inFlight;
    this.cached = { result, at: this.now() };
    return { ...result, cached: false };
  }

  private async probe(): Promise<LlmProbeResult> {
    const checkedAt = new Date(this.now()).toISOString();
    const { url, headers, result } = this.target;
    if (url === undefined) return { state: 'unknown', ...result, checked_at: checkedAt };
    // fetch() refuses URLs with credentials: they go in a Basic header unless a key is sent.
    const { endpoint, basic } = splitCredentials(url);
    const started = performance.now();
    try {
      const response = await fetch(endpoint, {
        headers: { ...(basic ? { Authorization: basic } : {}), ...headers },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      // The body is not needed; release the connection.
      await response.body?.cancel();
      return {
        ...verdictFor(response.status),
        endpoint,
        http_status: response.status,
        latency_ms: Math.round(performance.now() - started),
        checked_at: checkedAt,
      };
    } catch (error) {
      // Checked by name: fetch's DOMException is not always an Error of this realm.
      const { name, message } = describe(error);
      return {
        state: 'down',
        endpoint,
        message:
          name === 'TimeoutError'
            ? `No answer within ${this.timeoutMs} ms`
            : `Unreachable: ${message}`,
        checked_at: checkedAt,
      };
    }
  }
}

function verdictFor(status: number): { state: DependencyState; message?: string } {
  if (status >= 200 && status < 300) return { state: 'up' };
  if (status === 401 || status === 403) {
    return { state: 'down', message: 'The provider refused the credentials' };
  }
  if (status === 429) return { state: 'degraded', message: 'The provider is rate limiting' };
  if (status >= 500) return { state: 'down', message: `The provider answered ${status}` };
  return { state: 'degraded', message: `The provider answered ${status}` };
}

function describe(error: unknown): { name?: string; message: string } {
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const { name, message, cause } = error as { name?: string; message?: string; cause?: unknown };
  // undici reports "fetch failed" and puts the reason (ECONNREFUSED…) in the cause.
  const causeMessage = (cause as { message?: unknown } | undefined)?.message;
  return {
    name,
    message: typeof causeMessage === 'string' ? causeMessage : (message ?? 'unknown error'),
  };
}

function splitCredentials(url: string): { endpoint: string; basic?: string } {
  const parsed = new URL(url);
  if (!parsed.username && !parsed.password) return { endpoint: url };
  const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  parsed.username = '';
  parsed.password = '';
  return {
    endpoint: parsed.toString(),
    basic: `Basic ${Buffer.from(credentials).toString('base64')}`,
  };
}
