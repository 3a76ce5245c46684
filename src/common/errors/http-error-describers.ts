import { Injectable } from '@nestjs/common';
import type { HttpDescription, HttpErrorDescriber } from './http-description';

/**
 * The describers each dependency's owner registers when the app is built (the database module for
 * PostgreSQL's errors), so the problem filter answers those errors without importing their owner.
 */
@Injectable()
export class HttpErrorDescribers {
  private describers: readonly HttpErrorDescriber[] = [];

  /** Adds a describer; the first that recognises an error answers it. */
  register(describer: HttpErrorDescriber): void {
    this.describers = [...this.describers, describer];
  }

  /** What the first describer that recognises `error` says, or undefined. */
  describe(error: unknown): HttpDescription | undefined {
    for (const describer of this.describers) {
      const description = describer(error);
      if (description) return description;
    }
    return undefined;
  }
}
