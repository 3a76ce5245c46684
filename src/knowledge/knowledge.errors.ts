import {
  DomainException,
  ErrorCode,
  NotFoundDomainException,
} from '../common/errors/domain.exception';

/** No document has this id (404). */
export class DocumentNotFoundException extends NotFoundDomainException {
  constructor() {
    super(ErrorCode.NotFound, 'Document');
  }
}

/** The document's content is over `MAX_DOCUMENT_BYTES` (413); nothing was stored. */
export class DocumentTooLargeException extends DomainException {
  /**
   * @param bytes the content's size in UTF-8 bytes
   * @param maxBytes the limit in force
   */
  constructor(bytes: number, maxBytes: number) {
    super(
      ErrorCode.PayloadTooLarge,
      413,
      `The document content is ${bytes} bytes; at most ${maxBytes} are accepted (MAX_DOCUMENT_BYTES).`,
    );
  }
}

/** The embedding provider failed or answered nonsense (503); nothing was stored. */
export class EmbeddingsUnavailableException extends DomainException {
  constructor() {
    super(
      ErrorCode.ServiceUnavailable,
      503,
      'The embedding provider could not embed the document; nothing was stored. Try again later.',
    );
  }
}
