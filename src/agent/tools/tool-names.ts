/** Names of the built-in tools, as the model sees them. */
export const TOOL_NAMES = {
  calculator: 'calculator',
  currentTime: 'current_time',
  searchKnowledgeBase: 'search_knowledge_base',
  setReminder: 'set_reminder',
} as const;
