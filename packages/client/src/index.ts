export { AgentClient, newIdempotencyKey } from './client.js';
export type {
  AgentClientOptions,
  ConversationInput,
  PageQuery,
  SendOptions,
  StartRunOptions,
} from './client.js';
export { AgentApiError } from './errors.js';
export type { HttpSettings } from './http.js';
export { parseEventId, RunStream } from './run-stream.js';
export type { SendStreamOptions, StreamOptions, StreamTransport } from './run-stream.js';
export { readSse } from './sse-parser.js';
export type { SseMessage } from './sse-parser.js';
export { isTerminalEvent } from './types.js';
export type * from './types.js';
