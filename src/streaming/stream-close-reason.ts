/**
 * Why a stream's response ended:
 * - `completed`: the run's terminal event was sent and the response ended normally;
 * - `client_gone`: the client disconnected (or never took the last bytes) before the end;
 * - `overflow`: the client read too slowly and its buffer bound was hit, so it was dropped;
 * - `server_shutdown`: the server ended it while shutting down.
 */
export type StreamCloseReason = 'completed' | 'client_gone' | 'overflow' | 'server_shutdown';

/** Every close reason, e.g. to pre-create metric label values. */
export const STREAM_CLOSE_REASONS: readonly StreamCloseReason[] = [
  'completed',
  'client_gone',
  'overflow',
  'server_shutdown',
];
