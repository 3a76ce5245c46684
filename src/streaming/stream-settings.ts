import { readStreamConfig, type StreamConfig } from '../config/stream.config';

/**
 * Tuning for live event streams: the fields of the `stream` config namespace the streaming parts
 * read, so the app passes that namespace as it is.
 */
export type StreamSettings = Readonly<
  Pick<
    StreamConfig,
    'heartbeatMs' | 'flushIntervalMs' | 'maxBufferBytes' | 'maxConnections' | 'maxPerUser'
  >
>;

const { heartbeatMs, flushIntervalMs, maxBufferBytes, maxConnections, maxPerUser } =
  readStreamConfig({});

/** The `STREAM_*` defaults, for code that builds a registry on its own (tests, tools). */
export const DEFAULT_STREAM_SETTINGS: StreamSettings = Object.freeze({
  heartbeatMs,
  flushIntervalMs,
  maxBufferBytes,
  maxConnections,
  maxPerUser,
});

/**
 * Fills unset (or undefined) fields with the defaults and keeps only the known fields, so a wider
 * config object can be passed as it is.
 */
export function resolveStreamSettings(input: Partial<StreamSettings> = {}): StreamSettings {
  const defaults = DEFAULT_STREAM_SETTINGS;
  return Object.freeze({
    heartbeatMs: input.heartbeatMs ?? defaults.heartbeatMs,
    flushIntervalMs: input.flushIntervalMs ?? defaults.flushIntervalMs,
    maxBufferBytes: input.maxBufferBytes ?? defaults.maxBufferBytes,
    maxConnections: input.maxConnections ?? defaults.maxConnections,
    maxPerUser: input.maxPerUser ?? defaults.maxPerUser,
  });
}

/** Nest injection token of the resolved `StreamSettings`. */
export const STREAM_SETTINGS = Symbol('STREAM_SETTINGS');
