import { tool } from 'langchain';
import { z } from 'zod';
import { TOOL_NAMES } from './tool-names';

/** What `current_time` returns (as JSON). */
export interface CurrentTimeResult {
  timezone: string;
  /** Local time with its UTC offset, e.g. `2025-01-02T13:45:00+01:00`. */
  local_time: string;
  utc_time: string;
  weekday: string;
}

/**
 * Reads the wall clock of a time zone. `Intl` knows the IANA zone database, so offsets and daylight
 * saving come from the runtime and not from code here.
 *
 * @throws RangeError for a time zone `Intl` does not know
 */
export function describeTime(now: Date, timezone: string): CurrentTimeResult {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    weekday: 'long',
    timeZoneName: 'longOffset',
  });
  const parts = Object.fromEntries(format.formatToParts(now).map((p) => [p.type, p.value]));
  // longOffset reads "GMT+01:00", or plain "GMT" at UTC+0.
  const offset = parts.timeZoneName === 'GMT' ? '+00:00' : parts.timeZoneName.replace('GMT', '');
  return {
    timezone,
    local_time: `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`,
    utc_time: now.toISOString(),
    weekday: parts.weekday,
  };
}

/**
 * The `current_time` tool: the current date and time, in UTC or in the IANA time zone asked for.
 *
 * @param now the clock, replaceable in tests
 */
export function createCurrentTimeTool(now: () => Date = () => new Date()) {
  return tool(
    ({ timezone }) => {
      const zone = timezone ?? 'UTC';
      try {
        return JSON.stringify(describeTime(now(), zone));
      } catch (error) {
        if (error instanceof RangeError) throw new Error(`Unknown time zone "${zone}"`);
        throw error;
      }
    },
    {
      name: TOOL_NAMES.currentTime,
      description:
        'Returns the current date and time. Pass an IANA time zone such as "Europe/Paris" ' +
        'or "America/New_York" for local time; UTC otherwise.',
      schema: z.object({
        timezone: z.string().min(1).max(64).optional().describe('IANA time zone, e.g. Asia/Tokyo'),
      }),
    },
  );
}
