import { Global, Module } from '@nestjs/common';
import { LifecycleService } from './lifecycle.service';

/** The draining flag and drain participants; global so every feature can register its work. */
@Global()
@Module({ providers: [LifecycleService], exports: [LifecycleService] })
export class LifecycleModule {}
