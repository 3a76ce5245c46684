/**
 * The embeddings the knowledge base uses ({@link KnowledgeEmbeddings}): a token, so tests and other
 * deployments can provide their own LangChain `Embeddings`.
 */
export const KNOWLEDGE_EMBEDDINGS = Symbol('KNOWLEDGE_EMBEDDINGS');

/** The search as the agent sees it: a `KnowledgeSearchPort` (see `src/agent`). */
export const KNOWLEDGE_SEARCH = Symbol('KNOWLEDGE_SEARCH');
