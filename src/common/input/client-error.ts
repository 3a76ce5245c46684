import { randomUUID } from 'node:crypto';
import { maxHeaderSize, STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode } from '../errors/domain.exception';
import { buildProblem } from '../errors/problem-details';

/** What Node's HTTP parser refused, as the client is told. */
function describe(code: string | undefined): { status: number; code: ErrorCode; detail: string } {
  switch (code ?? '') {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        code: ErrorCode.HeadersTooLarge,
        detail: `The request line and headers are larger than this server accepts (${maxHeaderSize} bytes).`,
      };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return {
        status: 413,
        code: ErrorCode.PayloadTooLarge,
        detail: 'The chunk extensions are larger than this server accepts.',
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        code: ErrorCode.RequestTimeout,
        detail: 'The request did not arrive in time.',
      };
    default:
      return {
        status: 400,
        code: ErrorCode.BadRequest,
        detail: 'The request is not valid HTTP (malformed request line or header).',
      };
  }
}

/** The in-flight response of a socket, which Node tracks on it. */
interface HttpSocket extends Duplex {
  _httpMessage?: { headersSent: boolean } | null;
}

/**
 * Answers what Node's HTTP parser refuses (oversized or malformed heads, request timeouts) with a
 * problem+json body like every other error, instead of Node's bare status line. There is no request
 * object yet, so the answer is written on the socket itself, with a new request id, and the
 * connection is closed. Nothing is written when a response is already under way on the socket
 * (the same rule Node applies) or the client is gone.
 */
export function answerClientErrorsWithProblems(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: HttpSocket) => {
    if (error.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    const { status, code, detail } = describe(error.code);
    const requestId = randomUUID();
    const body = JSON.stringify(buildProblem(status, code, detail, requestId));
    const head = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
      'Content-Type: application/problem+json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      `X-Request-Id: ${requestId}`,
      'Connection: close',
    ].join('\r\n');
    socket.end(`${head}\r\n\r\n${body}`, () => socket.destroy());
  });
}
