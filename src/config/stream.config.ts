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
    /** Interval between keep-alive lines on an open stream; 0 turns heartbeats off. */
    heartbeatMs: env.STREAM_HEARTBEAT_MS,
    /** Window in which events are coalesced into one socket write; 0 writes each at once. */
    flushIntervalMs: env.STREAM_FLUSH_INTERVAL_MS,
    /** Most bytes held in memory for one slow subscriber before it is dropped. */
    maxBufferBytes: env.STREAM_MAX_BUFFER_BYTES,
    /** Most streams open at once in this process; the next one is answered 503. */
    maxConnections: env.STREAM_MAX_CONNECTIONS,
    onDisconnect: env.STREAM_ON_DISCONNECT,
    /** Most streams one user may hold open at once; the next one is refused. */
    maxPerUser: env.STREAM_MAX_PER_USER,
    chunkWindowMs: env.STREAM_CHUNK_WINDOW_MS,
  };
}

/** Live streaming: heartbeats, write coalescing, per-client buffer bound, connection cap. */
export const streamConfig = registerAs('stream', () => readStreamConfig(process.env));

/** The typed `stream` namespace. */
export type StreamConfig = ReturnType<typeof streamConfig>;
