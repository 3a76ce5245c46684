import { Injectable } from '@nestjs/common';
import { HttpErrorDescribers } from '../common/errors/http-error-describers';
import { CircuitBreakerRegistry } from '../resilience';
import { classifyDatabaseError, describeDatabaseError } from './database-errors';

/**
 * Tells the `database` breaker how to count PostgreSQL's errors and the problem filter how to
 * answer them, when the app is built (before any call), so neither imports this folder.
 */
@Injectable()
export class DatabaseErrorsRegistration {
  constructor(breakers: CircuitBreakerRegistry, describers: HttpErrorDescribers) {
    breakers.classify('database', classifyDatabaseError);
    describers.register(describeDatabaseError);
  }
}
