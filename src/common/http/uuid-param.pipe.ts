import { ParseUUIDPipe } from '@nestjs/common';
import { ValidationFailedException } from '../errors/domain.exception';

/** Parses a path id as a UUID; anything else is a 400 naming the parameter. */
export function uuidParam(name = 'id'): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () =>
      new ValidationFailedException([{ field: name, message: 'must be a UUID' }]),
  });
}
