import { createServer } from 'node:http';
import { Duplex } from 'node:stream';
import { answerClientErrorsWithProblems } from './client-error';

/** A socket that records what is written to it. */
class RecordingSocket extends Duplex {
  written = '';
  _httpMessage: { headersSent: boolean } | null = null;
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.written += chunk.toString();
    done();
  }
}

function clientError(code: string, socket = new RecordingSocket()): Promise<RecordingSocket> {
  const server = createServer();
  answerClientErrorsWithProblems(server);
  server.emit('clientError', Object.assign(new Error(code), { code }), socket);
  return new Promise((resolve) => socket.on('close', () => resolve(socket)));
}

describe('answerClientErrorsWithProblems', () => {
  it.each([
    ['HPE_HEADER_OVERFLOW', 431, 'headers_too_large'],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 413, 'payload_too_large'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'request_timeout'],
    ['HPE_INVALID_HEADER_TOKEN', 400, 'bad_request'],
  ])('answers %s with %i %s as problem+json, then closes', async (code, status, problem) => {
    const socket = await clientError(code);
    const [head, body] = socket.written.split('\r\n\r\n');
    expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
    expect(head).toContain('Content-Type: application/problem+json');
    expect(head).toContain('Connection: close');
    const requestId = /X-Request-Id: (\S+)/.exec(head)?.[1];
    expect(JSON.parse(body)).toMatchObject({ status, code: problem, instance: requestId });
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
  });

  it('writes nothing into a response already under way, or to a client that is gone', async () => {
    const busy = new RecordingSocket();
    busy._httpMessage = { headersSent: true };
    expect((await clientError('HPE_INVALID_HEADER_TOKEN', busy)).written).toBe('');
    expect((await clientError('ECONNRESET')).written).toBe('');
  });
});
