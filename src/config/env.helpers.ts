import { z } from 'zod';

/**
 * Small zod builders for environment variables. Every variable arrives as a string (or is missing);
 * these turn it into a typed value with a default, and word the error so that the message printed at
 * start tells the operator exactly what is wrong.
 */

/** An integer variable within [min, max], with a default when unset or empty. */
export function intVar(defaultValue: number, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return defaultValue;
      const value = Number(raw);
      if (!Number.isInteger(value) || value < min || value > max) {
        ctx.addIssue({
          code: 'custom',
          message: `must be an integer between ${min} and ${max}, got "${raw}"`,
        });
        return z.NEVER;
      }
      return value;
    });
}

/** A boolean variable: true/false/1/0/yes/no, case-insensitive. */
export function boolVar(defaultValue: boolean) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return defaultValue;
      const normalised = raw.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(normalised)) return true;
      if (['false', '0', 'no', 'off'].includes(normalised)) return false;
      ctx.addIssue({ code: 'custom', message: `must be true or false, got "${raw}"` });
      return z.NEVER;
    });
}

/** One of a fixed set of words. */
export function enumVar<const T extends readonly [string, ...string[]]>(
  values: T,
  defaultValue: T[number],
) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): T[number] => {
      if (raw === undefined || raw.trim() === '') return defaultValue;
      const value = raw.trim();
      if (!(values as readonly string[]).includes(value)) {
        ctx.addIssue({
          code: 'custom',
          message: `must be one of ${values.join(', ')}, got "${raw}"`,
        });
        return z.NEVER;
      }
      return value;
    });
}

/** An optional free-text variable; empty counts as unset. */
export function optionalString() {
  return z
    .string()
    .optional()
    .transform((raw) => (raw === undefined || raw.trim() === '' ? undefined : raw.trim()));
}

/** An optional URL with one of the given protocols; empty counts as unset. */
export function optionalUrl(protocols: readonly string[]) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return undefined;
      let url: URL;
      try {
        url = new URL(raw.trim());
      } catch {
        ctx.addIssue({ code: 'custom', message: `must be a URL, got "${raw}"` });
        return z.NEVER;
      }
      if (!protocols.includes(url.protocol)) {
        ctx.addIssue({
          code: 'custom',
          message: `must use ${protocols.join(' or ')}, got "${url.protocol}"`,
        });
        return z.NEVER;
      }
      return raw.trim();
    });
}

/** A comma-separated list; empty counts as the default. */
export function listVar(defaultValue: string[]) {
  return z
    .string()
    .optional()
    .transform((raw) =>
      raw === undefined || raw.trim() === ''
        ? defaultValue
        : raw
            .split(',')
            .map((part) => part.trim())
            .filter((part) => part.length > 0),
    );
}

/**
 * The prefix of every metric name (`agent_server_` gives `agent_server_process_cpu_seconds_total`):
 * letters, digits and underscores, not starting with a digit, ending with `_` (added when
 * missing); `none` for no prefix; empty counts as the default.
 */
export function metricsPrefixVar(defaultValue: string) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const value = raw?.trim() ?? '';
      if (value === '') return defaultValue;
      if (value === 'none') return '';
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(value)) {
        ctx.addIssue({
          code: 'custom',
          message: `must be letters, digits and underscores, not starting with a digit, or "none"; got "${raw}"`,
        });
        return z.NEVER;
      }
      return value.endsWith('_') ? value : `${value}_`;
    });
}
