import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Webhook } from 'standardwebhooks';
import { checkWebhookUrl, type DestinationRules, guardedLookup } from './webhook-destination';

/** What a receiver answered: its status code. */
export interface SendResult {
  statusCode: number;
}

/** A receiver answered with a status other than 2xx (`status` lets breakers classify it). */
export class ReceiverStatusError extends Error {
  override readonly name = 'ReceiverStatusError';
  constructor(readonly status: number) {
    super(`The receiver answered ${status}`);
  }
}

/** One delivery as it goes out. */
export interface OutgoingWebhook {
  id: string;
  url: string;
  body: string;
}

/** Most of a receiver's answer that is read (and then ignored). */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Sends one webhook: POST with the Standard Webhooks headers (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`: HMAC-SHA256 of `id.timestamp.body` with the secret), to the address the
 * guarded lookup allowed. Resolves on 2xx; rejects with {@link ReceiverStatusError} on any other
 * status, a `RefusedDestinationError` for a destination not allowed, or the network's error.
 * Redirects are not followed (a 3xx is a failure), since a redirect could lead anywhere.
 */
export function sendWebhook(
  webhook: OutgoingWebhook,
  secret: string,
  rules: DestinationRules,
  signal: AbortSignal,
): Promise<SendResult> {
  return new Promise((resolve, reject) => {
    const url = checkWebhookUrl(webhook.url, rules);
    const timestamp = new Date();
    const signature = new Webhook(secret).sign(webhook.id, timestamp, webhook.body);
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: 'POST',
      signal,
      lookup: guardedLookup(rules),
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(webhook.body),
        'user-agent': 'agent-server-webhooks/1',
        'webhook-id': webhook.id,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': signature,
      },
    });
    request.on('error', reject);
    request.on('response', (response) => {
      let read = 0;
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_RESPONSE_BYTES) response.destroy();
      });
      response.on('close', () => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve({ statusCode: status });
        else reject(new ReceiverStatusError(status));
      });
      response.on('error', () => undefined);
    });
    request.end(webhook.body);
  });
}
