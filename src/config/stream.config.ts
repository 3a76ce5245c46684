import { registerAs } from '@nestjs/config';
import { streamEnvSchema } from './env.schema';
import { parseEnv } from './validate-environment';

/**
 * The `stream` namespace read from `variables`; `readStreamConfig({})` gives every default, for
 * code that builds the streaming parts on its own (tests).
 */
export function readStreamConfig(variables: Record<string, string | undefined>) {
  const env = parseEnv(streamEnvSchema, variables);
  return {
    heartbeatMs: env.STREAM_HEARTBEAT_MS,
    flushIntervalMs: env.STREAM_FLUSH_INTERVAL_MS,
    maxBufferBytes: env.STREAM_MAX_BUFFER_BYTES,
    maxConnections: env.STREAM_MAX_CONNECTIONS,
    onDisconnect: env.STREAM_ON_DISCONNECT,
    maxPerUser: env.STREAM_MAX_PER_USER,
    chunkWindowMs: env.STREAM_CHUNK_WINDOW_MS,
  };
}

/** Live streaming: heartbeats, write coalescing, per-client buffer bound, connection cap. */
export const streamConfig = registerAs('stream', () => readStreamConfig(process.env));

/** The typed `stream` namespace. */
export type StreamConfig = ReturnType<typeof streamConfig>;
