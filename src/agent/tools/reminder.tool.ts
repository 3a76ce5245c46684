import { tool } from 'langchain';
import { z } from 'zod';
import { TOOL_NAMES } from './tool-names';

/** The longest reminder text the tool takes. */
const MAX_REMINDER_CHARS = 500;

/**
 * The `set_reminder` tool: a harmless stand-in for a tool with side effects (sending a message,
 * booking, paying). It records nothing and only answers what it would have done; it exists so
 * that tool approval (`TOOLS_REQUIRE_APPROVAL`, on for it by default) can be tried end to end
 * with the offline `local` model ("remind me to water the plants").
 */
export function createReminderTool() {
  return tool(({ text }) => `Reminder set: "${text}".`, {
    name: TOOL_NAMES.setReminder,
    description:
      'Sets a reminder for the user with the given text. Use it when the user asks to be reminded ' +
      'of something.',
    schema: z.object({
      text: z.string().min(1).max(MAX_REMINDER_CHARS).describe('What to remind the user of'),
    }),
  });
}
