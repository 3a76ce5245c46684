// The webhooks module's public API; import from 'src/webhooks' rather than its files.
export { WebhookOutbox } from './webhook-outbox';
export { WebhookUrlPolicy } from './webhook-url.policy';
export { WebhooksModule } from './webhooks.module';
