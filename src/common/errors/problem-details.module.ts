import { Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { HttpErrorDescribers } from './http-error-describers';
import { ProblemDetailsFilter } from './problem-details.filter';

/**
 * The one problem+json filter of the app, and the {@link HttpErrorDescribers} it consults. Global,
 * so the owner of a dependency can register how its errors are answered.
 */
@Global()
@Module({
  providers: [HttpErrorDescribers, { provide: APP_FILTER, useClass: ProblemDetailsFilter }],
  exports: [HttpErrorDescribers],
})
export class ProblemDetailsModule {}
