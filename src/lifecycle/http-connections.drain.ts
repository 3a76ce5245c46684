import type { Server } from 'node:http';
import {
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { LifecycleService } from './lifecycle.service';

// How often connections that went idle since the server began closing are closed.
const IDLE_SWEEP_MS = 100;
// Least time answers already being written get once the app closes, even when the grace is spent.
const MIN_CLOSE_WAIT_MS = 1000;

/**
 * Keeps HTTP connections from holding the process past the grace period. Node's `server.close()`
 * waits for every connection and closes idle keep-alive ones only once, when called: a connection
 * whose last answer ends later (a stream ended by the drain) then stays open for the keep-alive
 * timeout, and a client that keeps sending requests holds it open indefinitely. So:
 *
 * - from the start of the drain, every answer says `Connection: close`: keep-alive clients
 *   reconnect, through the balancer, to another replica;
 * - once the app closes, connections are closed as soon as they are idle, and those still busy at
 *   the drain's deadline (at least {@link MIN_CLOSE_WAIT_MS} later) are cut.
 */
@Injectable()
export class HttpConnectionsDrain
  implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown
{
  private deadline: number | undefined;
  private sweep: NodeJS.Timeout | undefined;
  private cut: NodeJS.Timeout | undefined;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly lifecycle: LifecycleService,
  ) {}

  onModuleInit(): void {
    this.lifecycle.registerDrainParticipant('http connections', ({ deadline }) => {
      this.deadline = deadline;
      // Before Express's own listener, so the header is set before any answer starts.
      this.server()?.prependListener('request', (_request, response) => {
        if (!response.headersSent) response.setHeader('Connection', 'close');
      });
    });
  }

  beforeApplicationShutdown(): void {
    const server = this.server();
    if (!server) return;
    server.closeIdleConnections();
    this.sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS).unref();
    const waitMs = Math.max((this.deadline ?? 0) - Date.now(), MIN_CLOSE_WAIT_MS);
    this.cut = setTimeout(() => server.closeAllConnections(), waitMs).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweep);
    clearTimeout(this.cut);
  }

  private server(): Server | undefined {
    return this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
  }
}
