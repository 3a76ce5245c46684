export { appConfig, type AppConfig } from './app.config';
export { authConfig, type AuthConfig } from './auth.config';
export { databaseConfig, type DatabaseConfig } from './database.config';
export { healthConfig, type HealthConfig } from './health.config';
export {
  DEFAULT_EMBEDDINGS_MODELS,
  DEFAULT_LOCAL_EMBEDDING_DIMENSIONS,
  knowledgeConfig,
  type EmbeddingsProvider,
  type KnowledgeConfig,
} from './knowledge.config';
export { llmConfig, type LlmConfig } from './llm.config';
export { resilienceConfig, type ResilienceConfig } from './resilience.config';
export { runsConfig, type RunsConfig } from './runs.config';
export { streamConfig, type StreamConfig } from './stream.config';
export { webhooksConfig, type WebhooksConfig } from './webhooks.config';
export {
  BREAKER_DEFAULTS,
  BREAKER_NAMES,
  DEFAULT_CALL_TIMEOUT_MS,
  type BreakerConfig,
  type BreakerName,
} from './env.schema';
export { AppConfigModule } from './config.module';
export { ConfigValidationError, validateEnvironment } from './validate-environment';
export { loadAndValidateEnvironment, loadEnvironmentFile } from './load-environment';
