import type { Response } from 'express';
import type { HealthCheckResult } from '@nestjs/terminus';
import type { HealthAnswer } from './health-check.runner';

/** Sets the answer's status on the response and returns its body (Terminus's shape). */
export function sendHealth(response: Response, answer: HealthAnswer): HealthCheckResult {
  response.status(answer.httpStatus);
  return answer.body;
}
