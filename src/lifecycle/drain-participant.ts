/** What a drain participant is told when draining starts. */
export interface DrainContext {
  /** Wall-clock epoch ms by which the participant should have finished. */
  readonly deadline: number;
  /** The grace period this drain was given, in ms. */
  readonly graceMs: number;
  /**
   * Aborts at the deadline: stop waiting, end what is left (e.g. close streams with a final
   * event). The drain does not wait for a participant past this point.
   */
  readonly signal: AbortSignal;
}

/**
 * Work to finish before the process stops: e.g. let agent runs end, then close their streams.
 * Called once, when draining starts; may be async.
 */
export type DrainParticipant = (context: DrainContext) => Promise<void> | void;

/** How one participant's drain went. */
export interface DrainParticipantOutcome {
  readonly name: string;
  readonly outcome: 'completed' | 'failed' | 'timed_out';
  readonly durationMs: number;
  /** The error's message when `failed`. */
  readonly error?: string;
}

/** The result of {@link LifecycleService.startDraining}. */
export interface DrainReport {
  /** ISO-8601 time draining started. */
  readonly startedAt: string;
  readonly graceMs: number;
  readonly participants: readonly DrainParticipantOutcome[];
}

/** Removes a registration. */
export type Unregister = () => void;
