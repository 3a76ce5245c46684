import { existsSync } from 'node:fs';
import { validateEnvironment } from './validate-environment';

/**
 * Loads `.env` (variables already set win) and validates everything before Nest starts, so that a
 * bad value stops the process with a plain message rather than a framework stack trace.
 */
export function loadAndValidateEnvironment(envFile = '.env'): void {
  loadEnvironmentFile(envFile);
  validateEnvironment(process.env);
}

/** Loads `.env` into the environment (variables already set win); validates nothing. */
export function loadEnvironmentFile(envFile = '.env'): void {
  if (existsSync(envFile)) process.loadEnvFile(envFile);
}
