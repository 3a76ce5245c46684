import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import { ValidationFailedException } from '../common/errors/domain.exception';
import { webhooksConfig, type WebhooksConfig } from '../config';
import { isPrivateAddress } from './webhook-address';
import { checkWebhookUrl, RefusedDestinationError } from './webhook-destination';

/** How long a request waits for the webhook host's name to resolve before letting it through. */
const RESOLVE_TIMEOUT_MS = 2000;

/**
 * Decides, when a run is asked for, whether its `webhook_url` may be used (400 otherwise, naming
 * the field): https (http when allowed), no credentials, and no private, loopback or link-local
 * destination unless allowed, judged on the literal host and on what the name resolves to now. A
 * name that does not resolve in time is let through: delivery checks again on every attempt, on
 * the address it connects to.
 */
@Injectable()
export class WebhookUrlPolicy {
  constructor(@Inject(webhooksConfig.KEY) private readonly config: WebhooksConfig) {}

  /** The URL to store; throws a 400 `ValidationFailedException` for one that is refused. */
  async check(raw: string, field = 'webhook_url'): Promise<string> {
    const refuse = (message: string) => new ValidationFailedException([{ field, message }]);
    if (!this.config.secret) {
      throw refuse('webhooks are not enabled on this server (no WEBHOOKS_SECRET)');
    }
    let url: URL;
    try {
      url = checkWebhookUrl(raw, this.config);
    } catch (error) {
      if (error instanceof RefusedDestinationError) throw refuse(error.message);
      throw error;
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!this.config.allowPrivate && isIP(host) === 0 && (await this.resolvesPrivate(host))) {
      throw refuse('must not point at a private, loopback or link-local address');
    }
    return url.href;
  }

  private async resolvesPrivate(host: string): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<[]>((resolve) => {
      timer = setTimeout(() => resolve([]), RESOLVE_TIMEOUT_MS);
    });
    try {
      const addresses = await Promise.race([lookup(host, { all: true }).catch(() => []), timeout]);
      return addresses.some((a) => isPrivateAddress(a.address));
    } finally {
      clearTimeout(timer);
    }
  }
}
