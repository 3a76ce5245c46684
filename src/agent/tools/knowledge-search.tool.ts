import type { ToolRunnableConfig } from '@langchain/core/tools';
import { tool } from 'langchain';
import { z } from 'zod';
import type { KnowledgeSearchHit, KnowledgeSearchPort } from './knowledge-search.port';
import { TOOL_NAMES } from './tool-names';

/** What `search_knowledge_base` returns (as JSON). */
export interface KnowledgeSearchResult {
  results: KnowledgeSearchHit[];
}

/** Documents returned when the model does not say how many. */
export const DEFAULT_SEARCH_RESULTS = 4;

/**
 * The `search_knowledge_base` tool, backed by a {@link KnowledgeSearchPort}. The run's signal is
 * passed on so that a cancelled run stops its search.
 */
export function createKnowledgeSearchTool(port: KnowledgeSearchPort) {
  return tool(
    async ({ query, k }, config: ToolRunnableConfig | undefined) => {
      const results = await port.search(query, k ?? DEFAULT_SEARCH_RESULTS, config?.signal);
      const result: KnowledgeSearchResult = { results };
      return JSON.stringify(result);
    },
    {
      name: TOOL_NAMES.searchKnowledgeBase,
      description:
        'Searches the knowledge base (the documents uploaded to this service) and returns the ' +
        'most relevant passages with their titles and scores.',
      schema: z.object({
        query: z.string().min(1).max(1000).describe('What to look for'),
        k: z.number().int().min(1).max(20).optional().describe('How many documents, default 4'),
      }),
    },
  );
}
