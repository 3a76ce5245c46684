import type { z } from 'zod';
import { authEnvSchema, ENV_SCHEMAS, appEnvSchema } from './env.schema';

/** Thrown at start when one or more environment variables are invalid; the message names each one. */
export class ConfigValidationError extends Error {
  /** @param problems one line per bad variable, `NAME: what is wrong` */
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

type Env = Record<string, string | undefined>;

/** Parses one group of variables, throwing a `ConfigValidationError` that names every bad one. */
export function parseEnv<S extends z.ZodType>(schema: S, env: Env): z.output<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigValidationError(
      result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  return result.data;
}

/**
 * Validates every variable the service reads, plus the rules that span variables, and reports all
 * problems at once. Used as `ConfigModule.forRoot({ validate })`, so it runs before anything starts.
 */
export function validateEnvironment(env: Env): Env {
  const problems: string[] = [];
  for (const schema of ENV_SCHEMAS) {
    try {
      parseEnv(schema, env);
    } catch (error) {
      if (error instanceof ConfigValidationError) problems.push(...error.problems);
      else throw error;
    }
  }
  if (problems.length === 0) problems.push(...crossFieldProblems(env));
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return env;
}

function crossFieldProblems(env: Env): string[] {
  const app = appEnvSchema.parse(env);
  const auth = authEnvSchema.parse(env);
  const problems: string[] = [];
  if (auth.AUTH_JWT_SECRET && auth.AUTH_JWKS_URL) {
    problems.push('AUTH_JWT_SECRET: set either AUTH_JWT_SECRET or AUTH_JWKS_URL, not both');
  }
  if (app.NODE_ENV === 'production' && !auth.AUTH_JWT_SECRET && !auth.AUTH_JWKS_URL) {
    problems.push(
      'AUTH_JWT_SECRET: auth must be configured when NODE_ENV=production (set AUTH_JWT_SECRET or AUTH_JWKS_URL)',
    );
  }
  return problems;
}
