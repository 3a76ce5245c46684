import { Module } from '@nestjs/common';
import { LivenessController } from './liveness.controller';

/** Health endpoints for probes and operators. */
@Module({ controllers: [LivenessController] })
export class HealthModule {}
