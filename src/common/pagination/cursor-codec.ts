import { DomainException, ErrorCode } from '../errors/domain.exception';

/**
 * Opaque pagination cursors: a keyset position encoded as base64url JSON. Clients pass
 * `next_cursor` back unchanged; anything that does not decode to the expected shape is a 400.
 */
export class CursorCodec<T> {
  /** @param isValid checks a decoded value has the position's shape */
  constructor(private readonly isValid: (value: unknown) => value is T) {}

  /** Encodes a keyset position. */
  encode(position: T): string {
    return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
  }

  /** Decodes a cursor from a client; throws a 400 domain error when it is not one of ours. */
  decode(cursor: string): T {
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      throw invalidCursor();
    }
    if (!this.isValid(value)) throw invalidCursor();
    return value;
  }
}

function invalidCursor(): DomainException {
  return new DomainException(ErrorCode.InvalidCursor, 400, 'The cursor is not valid.', {
    errors: [{ field: 'cursor', message: 'is not a cursor returned by this endpoint' }],
  });
}

/** One page of a list. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}
