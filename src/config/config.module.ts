import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { appConfig } from './app.config';
import { authConfig } from './auth.config';
import { databaseConfig } from './database.config';
import { healthConfig } from './health.config';
import { knowledgeConfig } from './knowledge.config';
import { llmConfig } from './llm.config';
import { resilienceConfig } from './resilience.config';
import { runsConfig } from './runs.config';
import { streamConfig } from './stream.config';
import { webhooksConfig } from './webhooks.config';
import { validateEnvironment } from './validate-environment';

/** All typed config namespaces, validated once at start. Global: every module may inject them. */
@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      cache: true,
      validate: validateEnvironment,
      load: [
        appConfig,
        databaseConfig,
        authConfig,
        llmConfig,
        streamConfig,
        runsConfig,
        resilienceConfig,
        healthConfig,
        knowledgeConfig,
        webhooksConfig,
      ],
    }),
  ],
})
export class AppConfigModule {}
