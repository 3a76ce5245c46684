import { Injectable, Logger } from '@nestjs/common';
import type { CompletedRequest } from './completed-request';

/** Called once per finished request. */
export type CompletedRequestObserver = (request: CompletedRequest) => void;

/**
 * Fans finished requests out to whoever records them (Prometheus, the monitoring window), so the
 * response is timed once, by one middleware, whatever reads the figures.
 */
@Injectable()
export class HttpRequestObservers {
  private readonly logger = new Logger('HttpRequestObservers');
  private observers: readonly CompletedRequestObserver[] = [];

  /** Adds an observer; returns the function that removes it. */
  subscribe(observer: CompletedRequestObserver): () => void {
    this.observers = [...this.observers, observer];
    return () => {
      this.observers = this.observers.filter((o) => o !== observer);
    };
  }

  /** Hands a finished request to every observer; one that throws is logged, not propagated. */
  publish(request: CompletedRequest): void {
    for (const observer of this.observers) {
      try {
        observer(request);
      } catch (error) {
        this.logger.error('A request observer threw', error);
      }
    }
  }
}
