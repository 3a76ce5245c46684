import type { StructuredToolInterface } from '@langchain/core/tools';
import { createCalculatorTool } from './calculator.tool';
import { createCurrentTimeTool } from './current-time.tool';
import type { KnowledgeSearchPort } from './knowledge-search.port';
import { createKnowledgeSearchTool } from './knowledge-search.tool';
import { createReminderTool } from './reminder.tool';

/** What the built-in tools depend on. */
export interface AgentToolDependencies {
  /** Enables `search_knowledge_base`; without it the tool is not offered to the model. */
  knowledge?: KnowledgeSearchPort;
  /** The clock of `current_time`. */
  now?: () => Date;
}

/**
 * The tools offered to the model: calculator, current_time, set_reminder (a demo of a tool that
 * needs approval) and, with a port, the KB search.
 */
export function createAgentTools(deps: AgentToolDependencies = {}): StructuredToolInterface[] {
  const tools: StructuredToolInterface[] = [
    createCalculatorTool(),
    createCurrentTimeTool(deps.now),
    createReminderTool(),
  ];
  if (deps.knowledge) tools.push(createKnowledgeSearchTool(deps.knowledge));
  return tools;
}
