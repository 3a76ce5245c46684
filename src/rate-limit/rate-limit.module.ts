import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { appConfig, type AppConfig } from '../config';
import { UserThrottlerGuard } from './user-throttler.guard';

/**
 * `@nestjs/throttler` per user: `RATE_LIMIT_MAX` requests per `RATE_LIMIT_TTL_MS` over all routes
 * together (0 turns it off). Over the limit: 429 with `Retry-After`. Counters live in this process; behind several replicas the
 * effective limit is per replica.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [appConfig.KEY],
      useFactory: (config: AppConfig) => ({
        throttlers: [{ ttl: config.rateLimit.ttlMs, limit: Math.max(config.rateLimit.limit, 1) }],
        skipIf: () => config.rateLimit.limit === 0,
      }),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: UserThrottlerGuard }],
})
export class RateLimitModule {}
