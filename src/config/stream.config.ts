import { registerAs } from '@nestjs/config';
import { streamEnvSchema } from './env.schema';
import { parseEnv } from './validate-environment';

/** Live streaming: heartbeats, write coalescing, per-client buffer bound, connection cap. */
export const streamConfig = registerAs('stream', () => {
  const env = parseEnv(streamEnvSchema, process.env);
  return {
    heartbeatMs: env.STREAM_HEARTBEAT_MS,
    flushIntervalMs: env.STREAM_FLUSH_INTERVAL_MS,
    maxBufferBytes: env.STREAM_MAX_BUFFER_BYTES,
    maxConnections: env.STREAM_MAX_CONNECTIONS,
    onDisconnect: env.STREAM_ON_DISCONNECT,
    maxPerUser: env.STREAM_MAX_PER_USER,
    chunkWindowMs: env.STREAM_CHUNK_WINDOW_MS,
  };
});

/** The typed `stream` namespace. */
export type StreamConfig = ReturnType<typeof streamConfig>;
