import { Module } from '@nestjs/common';
import { resilienceConfig, type ResilienceConfig } from '../config';
import { ResilienceController } from './resilience.controller';
import { ResilienceModule } from './resilience.module';

/**
 * The breakers configured from `CB_<NAME>_*`, and their admin endpoints. Each dependency's owner
 * tells its breaker how to count errors (`CircuitBreakerRegistry.classify`).
 */
@Module({
  imports: [
    ResilienceModule.forRootAsync({
      inject: [resilienceConfig.KEY],
      useFactory: (config: ResilienceConfig) => config,
    }),
  ],
  controllers: [ResilienceController],
})
export class ResilienceHttpModule {}
