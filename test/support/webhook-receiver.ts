import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** A Standard Webhooks secret for the e2e tests: `whsec_` and base64 of 32 bytes. */
export const TEST_WEBHOOK_SECRET = `whsec_${Buffer.from('e2e-webhook-secret-32-bytes-long').toString('base64')}`;

/** One request the receiver got, and what it answered. */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** The status answered; null while the request is held unanswered. */
  answered: number | null;
  /** The body verified with `standardwebhooks` (null when it did not verify). */
  verified: unknown;
}

/** What the receiver does with the n-th request (0-based): answer a status, or hold it forever. */
export type ReceiverBehaviour = (index: number) => number | 'hold';

/**
 * A local webhook receiver, as a customer would write it: it verifies every request with the
 * `standardwebhooks` package (`Webhook.verify`) and answers as `behaviour` says (2xx only when
 * the signature verified). `accepted()` counts the bodies accepted per `webhook-id`.
 */
export async function startWebhookReceiver(
  behaviour: ReceiverBehaviour,
  secret = TEST_WEBHOOK_SECRET,
): Promise<{
  url: string;
  received: ReceivedWebhook[];
  accepted(): Map<string, number>;
  setBehaviour(next: ReceiverBehaviour): void;
  close(): Promise<void>;
}> {
  const received: ReceivedWebhook[] = [];
  let current = behaviour;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let verified: unknown = null;
      try {
        verified = new Webhook(secret).verify(body, req.headers as Record<string, string>);
      } catch {
        verified = null;
      }
      const entry: ReceivedWebhook = { headers: req.headers, body, answered: null, verified };
      const action = current(received.length);
      received.push(entry);
      if (action === 'hold') return;
      const status = verified === null && action < 300 ? 401 : action;
      entry.answered = status;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(String(status));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    accepted: () => {
      const counts = new Map<string, number>();
      for (const entry of received) {
        if (entry.answered !== null && entry.answered < 300) {
          const id = String(entry.headers['webhook-id']);
          counts.set(id, (counts.get(id) ?? 0) + 1);
        }
      }
      return counts;
    },
    setBehaviour: (next) => (current = next),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
