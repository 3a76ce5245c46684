import { registerAs } from '@nestjs/config';
import { knowledgeEnvSchema } from './env.schema';
import { parseEnv } from './validate-environment';

/** Where embeddings come from: `local` is an offline development embedding (no model file). */
export type EmbeddingsProvider = 'local' | 'openai' | 'ollama';

/** The model each provider uses when `EMBEDDINGS_MODEL` is unset. */
export const DEFAULT_EMBEDDINGS_MODELS: Record<EmbeddingsProvider, string> = {
  local: 'local-hash-v1',
  openai: 'text-embedding-3-small',
  ollama: 'nomic-embed-text',
};

/** Dimensions of the local embedding when `EMBEDDINGS_DIMENSIONS` is unset (0). */
export const DEFAULT_LOCAL_EMBEDDING_DIMENSIONS = 384;

/** The knowledge base: embeddings, chunking, document size and the vector index. */
export const knowledgeConfig = registerAs('knowledge', () => {
  const env = parseEnv(knowledgeEnvSchema, process.env);
  const provider: EmbeddingsProvider = env.EMBEDDINGS_PROVIDER;
  return {
    embeddings: {
      provider,
      model: env.EMBEDDINGS_MODEL ?? DEFAULT_EMBEDDINGS_MODELS[provider],
      /**
       * Vector length. `undefined`: the provider's own (unknown until it answers, so a remote
       * provider without it cannot get a pgvector index, whose column type needs the length).
       */
      dimensions:
        env.EMBEDDINGS_DIMENSIONS > 0
          ? env.EMBEDDINGS_DIMENSIONS
          : provider === 'local'
            ? DEFAULT_LOCAL_EMBEDDING_DIMENSIONS
            : undefined,
      timeoutMs: env.EMBEDDINGS_TIMEOUT_MS,
    },
    chunkSize: env.KNOWLEDGE_CHUNK_SIZE,
    chunkOverlap: env.KNOWLEDGE_CHUNK_OVERLAP,
    /** Largest `content` accepted, in UTF-8 bytes (the JSON body limit MAX_BODY_BYTES applies first). */
    maxDocumentBytes: env.MAX_DOCUMENT_BYTES,
    /** `auto`: pgvector with an HNSW index when the database has it; `exact`: never. */
    vectorIndex: env.KNOWLEDGE_VECTOR_INDEX,
  };
});

/** The typed `knowledge` namespace. */
export type KnowledgeConfig = ReturnType<typeof knowledgeConfig>;
