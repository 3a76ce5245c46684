import { Module } from '@nestjs/common';
import { resilienceConfig, type ResilienceConfig } from '../config';
import { classifyDatabaseError } from '../database/database-errors';
import { classifyLlmError } from '../runs/llm-error.classifier';
import { ResilienceController } from './resilience.controller';
import { ResilienceModule } from './resilience.module';

/** The breakers configured from `CB_<NAME>_*`, and their admin endpoints. */
@Module({
  imports: [
    ResilienceModule.forRootAsync({
      inject: [resilienceConfig.KEY],
      useFactory: (config: ResilienceConfig) => ({
        breakers: config.breakers,
        classifiers: { llm: classifyLlmError, database: classifyDatabaseError },
      }),
    }),
  ],
  controllers: [ResilienceController],
})
export class ResilienceHttpModule {}
