import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { ValidationFailedException } from '../common/errors/domain.exception';
import { parseEventId, type StreamEventId } from '../streaming';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** Seqs are PostgreSQL `integer`s. */
const MAX_SEQ = 2_147_483_647;

function headerOf(request: Request, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The `Idempotency-Key` header: 1 to 255 visible ASCII characters (400 otherwise), or undefined.
 * A request repeated with the same key gets the run the first one started.
 */
export const IdempotencyKey = createParamDecorator(
  (_: unknown, context: ExecutionContext): string | undefined => {
    const key = headerOf(context.switchToHttp().getRequest<Request>(), 'idempotency-key');
    if (key === undefined) return undefined;
    if (!IDEMPOTENCY_KEY.test(key)) {
      throw new ValidationFailedException([
        { field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' },
      ]);
    }
    return key;
  },
);

/**
 * The position a client resumes from: the `Last-Event-ID` header (what EventSource sends), else
 * `?last_event_id=`; `<run_id>:<seq>` (400 otherwise), or undefined when absent or empty.
 */
export const LastEventId = createParamDecorator(
  (_: unknown, context: ExecutionContext): StreamEventId | undefined => {
    const request = context.switchToHttp().getRequest<Request>();
    const query = request.query.last_event_id;
    const raw =
      headerOf(request, 'last-event-id') ?? (typeof query === 'string' ? query : undefined);
    if (raw === undefined || raw === '') return undefined;
    const position = parseEventId(raw);
    if (!position || position.seq > MAX_SEQ) {
      throw new ValidationFailedException([
        { field: 'Last-Event-ID', message: 'must be <run_id>:<seq>' },
      ]);
    }
    return position;
  },
);
