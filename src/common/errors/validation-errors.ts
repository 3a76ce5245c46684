import type { ValidationError } from 'class-validator';
import type { FieldError } from './domain.exception';

/**
 * Flattens class-validator's nested errors into `{field, message}` pairs with dotted paths
 * (`metadata.tags`), wording the whitelist rejection as "is not allowed".
 */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const flat: FieldError[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      flat.push({
        field,
        message: constraint === 'whitelistValidation' ? 'is not allowed' : message,
      });
    }
    if (error.children?.length) flat.push(...flattenValidationErrors(error.children, field));
  }
  return flat;
}
