/** Tuning for live event streams; filled from `STREAM_*` variables by the config module. */
export interface StreamSettings {
  /** Interval between keep-alive lines on an open stream; 0 turns heartbeats off. */
  readonly heartbeatMs: number;
  /** Window in which events are coalesced into one socket write; 0 writes each event at once. */
  readonly flushIntervalMs: number;
  /** Most bytes held in memory for one slow subscriber before it is dropped. */
  readonly maxBufferBytes: number;
  /** Most streams open at once in this process; the next one is answered 503. */
  readonly maxConnections: number;
  /** Most streams one owner (a user) may hold open at once; the next one is refused. */
  readonly maxPerOwner: number;
}

/**
 * The contract's defaults: 15 s heartbeats, no coalescing, 1 MiB per subscriber, 10,000 streams.
 * The app passes every value from its `STREAM_*` config; these serve code that builds a registry
 * on its own (tests, tools).
 */
export const DEFAULT_STREAM_SETTINGS: StreamSettings = Object.freeze({
  heartbeatMs: 15_000,
  flushIntervalMs: 0,
  maxBufferBytes: 1024 * 1024,
  maxConnections: 10_000,
  maxPerOwner: 10_000,
});

/**
 * Fills unset (or undefined) fields with the defaults, keeps only the known fields (a wider config
 * object can be passed as is) and checks every value, so that a bad setting fails at start with the
 * field's name instead of misbehaving under load.
 */
export function resolveStreamSettings(input: Partial<StreamSettings> = {}): StreamSettings {
  const settings: StreamSettings = {
    heartbeatMs: input.heartbeatMs ?? DEFAULT_STREAM_SETTINGS.heartbeatMs,
    flushIntervalMs: input.flushIntervalMs ?? DEFAULT_STREAM_SETTINGS.flushIntervalMs,
    maxBufferBytes: input.maxBufferBytes ?? DEFAULT_STREAM_SETTINGS.maxBufferBytes,
    maxConnections: input.maxConnections ?? DEFAULT_STREAM_SETTINGS.maxConnections,
    maxPerOwner: input.maxPerOwner ?? DEFAULT_STREAM_SETTINGS.maxPerOwner,
  };
  requireInteger('heartbeatMs', settings.heartbeatMs, 0);
  requireInteger('flushIntervalMs', settings.flushIntervalMs, 0);
  requireInteger('maxBufferBytes', settings.maxBufferBytes, 1);
  requireInteger('maxConnections', settings.maxConnections, 1);
  requireInteger('maxPerOwner', settings.maxPerOwner, 1);
  return Object.freeze(settings);
}

function requireInteger(name: keyof StreamSettings, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(
      `StreamSettings.${name} must be an integer >= ${min}, got ${String(value)}`,
    );
  }
}

/** Nest injection token of the resolved `StreamSettings`. */
export const STREAM_SETTINGS = Symbol('STREAM_SETTINGS');
