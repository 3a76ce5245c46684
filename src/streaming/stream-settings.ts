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
  return Object.freeze({
    heartbeatMs: input.heartbeatMs ?? DEFAULT_STREAM_SETTINGS.heartbeatMs,
    flushIntervalMs: input.flushIntervalMs ?? DEFAULT_STREAM_SETTINGS.flushIntervalMs,
    maxBufferBytes: input.maxBufferBytes ?? DEFAULT_STREAM_SETTINGS.maxBufferBytes,
    maxConnections: input.maxConnections ?? DEFAULT_STREAM_SETTINGS.maxConnections,
    maxPerUser: input.maxPerUser ?? DEFAULT_STREAM_SETTINGS.maxPerUser,
  });
}

/** Nest injection token of the resolved `StreamSettings`. */
export const STREAM_SETTINGS = Symbol('STREAM_SETTINGS');
