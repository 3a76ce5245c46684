import { stdSerializers } from 'pino';

/**
 * Properties of database errors that carry user content: TypeORM's `QueryFailedError` keeps the
 * statement's `parameters` (titles, messages, metadata) and the driver error, and PostgreSQL's
 * `detail` and `where` quote row values ("Failing row contains (…)", "Key (…)=(…)").
 */
const USER_CONTENT_KEYS = ['parameters', 'driverError', 'detail', 'where'] as const;
// PostgreSQL's data exceptions (class 22) quote the offending value in the message itself:
// `invalid input syntax for type uuid: "…"`.
const DATA_EXCEPTION = /^22/;
const QUOTED = /"[^"\n]*"/g;

type SerializedError = Record<string, unknown>;

/**
 * pino's `err` serializer for every log line: pino's own (type, message, stack, causes, own
 * properties), minus the user content a failing query carries. Nested errors are cleaned too.
 * The SQL text (`query`, with `$1` placeholders) stays: it says which statement failed.
 */
export function serializeError(error: unknown): unknown {
  const serialized: unknown = error instanceof Error ? stdSerializers.err(error) : error;
  return isSerializedError(serialized) ? withoutUserContent(serialized) : serialized;
}

function withoutUserContent(error: SerializedError): SerializedError {
  for (const key of USER_CONTENT_KEYS) delete error[key];
  if (typeof error.code === 'string' && DATA_EXCEPTION.test(error.code)) {
    for (const key of ['message', 'stack'] as const) {
      if (typeof error[key] === 'string') error[key] = error[key].replace(QUOTED, '"[redacted]"');
    }
  }
  for (const value of Object.values(error)) {
    for (const nested of Array.isArray(value) ? value : [value]) {
      if (isSerializedError(nested)) withoutUserContent(nested);
    }
  }
  return error;
}

function isSerializedError(value: unknown): value is SerializedError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as SerializedError).type === 'string' &&
    typeof (value as SerializedError).message === 'string'
  );
}
