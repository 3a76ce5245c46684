import { Inject, Injectable } from '@nestjs/common';
import { LifecycleService } from '../lifecycle';
import type { DependencyReport } from './dependency-report';
import { STREAMING_STATUS, type StreamingStatus } from './streaming-status';

/** The streaming subsystem: open streams against capacity, and whether new ones are refused. */
@Injectable()
export class StreamingIndicator {
  constructor(
    @Inject(STREAMING_STATUS) private readonly status: StreamingStatus,
    private readonly lifecycle: LifecycleService,
  ) {}

  /** Down at capacity or while draining (a new stream would be refused with 503). */
  check(): DependencyReport {
    const { active, capacity } = this.status.snapshot();
    const isDraining = this.lifecycle.isDraining;
    const available = Math.max(0, capacity - active);
    return {
      state: isDraining || available === 0 ? 'down' : 'up',
      active,
      capacity,
      available,
      draining: isDraining,
      ...(isDraining
        ? { message: 'Draining: new streams are refused' }
        : available === 0
          ? { message: 'At capacity (STREAM_MAX_CONNECTIONS)' }
          : {}),
    };
  }
}
