import { registerDecorator, type ValidationOptions } from 'class-validator';

/** Most bytes a conversation's `metadata` may take as JSON: enough for tags, not for documents. */
export const MAX_METADATA_BYTES = 16 * 1024;

/** A plain JSON object (not an array, not null) of at most {@link MAX_METADATA_BYTES} as JSON. */
export function IsMetadataObject(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isMetadataObject',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Buffer.byteLength(JSON.stringify(value)) <= MAX_METADATA_BYTES,
        defaultMessage: () => `must be a JSON object of at most ${MAX_METADATA_BYTES} bytes`,
      },
    });
}
