import { Global, Module } from '@nestjs/common';
import { HttpConnectionsDrain } from './http-connections.drain';
import { LifecycleService } from './lifecycle.service';

/**
 * The draining flag and drain participants; global so every feature can register its work. Its
 * own participant closes HTTP connections in time (see {@link HttpConnectionsDrain}).
 */
@Global()
@Module({ providers: [LifecycleService, HttpConnectionsDrain], exports: [LifecycleService] })
export class LifecycleModule {}
