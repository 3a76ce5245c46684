/** The streaming figures health needs; `StreamRegistry` (src/streaming) provides them. */
export interface StreamingFigures {
  /** Streams open now. */
  readonly active: number;
  /** Most streams allowed at once. */
  readonly capacity: number;
}

/** Anything that can report {@link StreamingFigures}. */
export interface StreamingStatus {
  snapshot(): StreamingFigures;
}

/** Nest token of the {@link StreamingStatus} health reads. */
export const STREAMING_STATUS = Symbol('STREAMING_STATUS');
