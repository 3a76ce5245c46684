import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '../auth/auth.decorators';
import { CircuitBreakerRegistry } from './circuit-breaker.registry';
import type { CircuitBreakerSnapshot } from './circuit-breaker-snapshot';

/** Operators read every circuit breaker, and reset or isolate one by hand. */
@ApiTags('resilience')
@ApiBearerAuth()
@Controller('resilience/circuit-breakers')
export class ResilienceController {
  constructor(private readonly registry: CircuitBreakerRegistry) {}

  /** Every breaker with its state, config, counts and recent transitions. */
  @Get()
  @ApiOperation({ summary: 'List the circuit breakers' })
  @ApiOkResponse({ description: 'Every breaker.' })
  list(): CircuitBreakerSnapshot[] {
    return this.registry.snapshots();
  }

  /** One breaker. */
  @Get(':name')
  @ApiOperation({ summary: 'Get a circuit breaker' })
  @ApiOkResponse({ description: 'The breaker.' })
  @ApiNotFoundResponse({ description: 'No breaker by that name.' })
  get(@Param('name') name: string): CircuitBreakerSnapshot {
    return this.registry.find(name).snapshot();
  }

  /** Closes the breaker and zeroes its counts (also ends an isolation). */
  @Post(':name/reset')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({ summary: 'Reset a circuit breaker (admin)' })
  @ApiOkResponse({ description: 'The breaker, now CLOSED.' })
  @ApiNotFoundResponse({ description: 'No breaker by that name.' })
  reset(@Param('name') name: string): CircuitBreakerSnapshot {
    return this.registry.reset(name);
  }

  /** Holds the breaker open, refusing every call, until it is reset. */
  @Post(':name/isolate')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({ summary: 'Hold a circuit breaker open until it is reset (admin)' })
  @ApiOkResponse({ description: 'The breaker, held OPEN.' })
  @ApiNotFoundResponse({ description: 'No breaker by that name.' })
  isolate(@Param('name') name: string): CircuitBreakerSnapshot {
    return this.registry.isolate(name);
  }
}
