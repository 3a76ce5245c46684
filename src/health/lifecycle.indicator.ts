import { Injectable } from '@nestjs/common';
import { LifecycleService } from '../lifecycle';
import type { DependencyReport } from './dependency-report';

/** Whether the process is draining (shutting down): then it must receive no new traffic. */
@Injectable()
export class LifecycleIndicator {
  constructor(private readonly lifecycle: LifecycleService) {}

  /** Down while draining. */
  check(): DependencyReport {
    const since = this.lifecycle.drainingSince;
    return since
      ? { state: 'down', draining: true, draining_since: since.toISOString() }
      : { state: 'up', draining: false };
  }
}
