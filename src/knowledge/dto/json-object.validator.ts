import { registerDecorator, type ValidationOptions } from 'class-validator';

/** Most bytes a document's `metadata` may take as JSON: for tags and sources, not for content. */
export const MAX_DOCUMENT_METADATA_BYTES = 16 * 1024;

/** A plain JSON object (not an array, not null) of at most {@link MAX_DOCUMENT_METADATA_BYTES}. */
export function IsDocumentMetadata(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isDocumentMetadata',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Buffer.byteLength(JSON.stringify(value)) <= MAX_DOCUMENT_METADATA_BYTES,
        defaultMessage: () =>
          `must be a JSON object of at most ${MAX_DOCUMENT_METADATA_BYTES} bytes`,
      },
    });
}
