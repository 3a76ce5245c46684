import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { knowledgeConfig, type KnowledgeConfig } from '../config';
import { RecursiveTextSplitter } from './chunking/recursive-text.splitter';
import type { CreateDocumentDto } from './dto/create-document.dto';
import type { DocumentCreatedResponse } from './dto/knowledge.responses';
import type { KnowledgeEmbeddings } from './embeddings/embeddings.factory';
import { KnowledgeChunkEntity } from './knowledge-chunk.entity';
import { KnowledgeDocumentEntity } from './knowledge-document.entity';
import {
  DocumentNotFoundException,
  DocumentTooLargeException,
  EmbeddingsUnavailableException,
} from './knowledge.errors';
import { KNOWLEDGE_EMBEDDINGS } from './knowledge.tokens';

/**
 * Chunks per INSERT. The driver turns every number of an embedding into text one at a time,
 * synchronously: a whole document's chunks in one statement would hold the event loop, a batch of
 * this size holds it briefly, and the loop is free while each statement runs.
 */
const CHUNK_INSERT_BATCH = 64;

/**
 * Documents of the knowledge base: ingest (split, embed, store) and delete. A document and all its
 * chunks are written in one transaction, after every chunk has been embedded, so a failure at any
 * step leaves nothing behind and no transaction waits on the embedding provider.
 */
@Injectable()
export class KnowledgeDocumentsService {
  private readonly logger = new Logger('KnowledgeDocuments');
  private readonly splitter: RecursiveTextSplitter;

  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(KnowledgeDocumentEntity)
    private readonly documents: Repository<KnowledgeDocumentEntity>,
    @Inject(KNOWLEDGE_EMBEDDINGS) private readonly embeddings: KnowledgeEmbeddings,
    @Inject(knowledgeConfig.KEY) private readonly config: KnowledgeConfig,
  ) {
    this.splitter = new RecursiveTextSplitter({
      chunkSize: config.chunkSize,
      chunkOverlap: config.chunkOverlap,
    });
  }

  /**
   * Stores a document with its chunks and their embeddings.
   *
   * @param userId the admin uploading it
   * @throws DocumentTooLargeException over MAX_DOCUMENT_BYTES
   * @throws EmbeddingsUnavailableException when the embedding provider fails
   */
  async ingest(userId: string, body: CreateDocumentDto): Promise<DocumentCreatedResponse> {
    const bytes = Buffer.byteLength(body.content, 'utf8');
    if (bytes > this.config.maxDocumentBytes) {
      throw new DocumentTooLargeException(bytes, this.config.maxDocumentBytes);
    }
    const chunks = await this.splitter.splitText(body.content);
    const vectors = await this.embed(chunks);

    const saved = await this.dataSource.transaction(async (manager) => {
      const document = await manager.save(
        manager.create(KnowledgeDocumentEntity, {
          title: body.title,
          content: body.content,
          metadata: body.metadata ?? {},
          chunkCount: chunks.length,
          embeddingModel: this.embeddings.modelId,
          createdBy: userId,
        }),
      );
      for (let start = 0; start < chunks.length; start += CHUNK_INSERT_BATCH) {
        const rows = chunks.slice(start, start + CHUNK_INSERT_BATCH).map((content, i) => ({
          documentId: document.id,
          chunkIndex: start + i,
          content,
          embedding: vectors[start + i],
        }));
        // updateEntity(false): no RETURNING of ids and generated columns nobody reads.
        await manager
          .createQueryBuilder()
          .insert()
          .into(KnowledgeChunkEntity)
          .values(rows)
          .updateEntity(false)
          .execute();
      }
      return document;
    });
    return { id: saved.id, title: saved.title, chunk_count: saved.chunkCount };
  }

  /**
   * Deletes a document; its chunks go with it (ON DELETE CASCADE).
   *
   * @throws DocumentNotFoundException when there is no such document
   */
  async remove(id: string): Promise<void> {
    const result = await this.documents.delete({ id });
    if (!result.affected) throw new DocumentNotFoundException();
  }

  private async embed(chunks: string[]): Promise<number[][]> {
    let vectors: number[][];
    try {
      vectors = await this.embeddings.embeddings.embedDocuments(chunks);
    } catch (error) {
      this.logger.error({ err: error }, 'The embedding provider failed; the document is refused');
      throw new EmbeddingsUnavailableException();
    }
    const length = vectors[0]?.length ?? 0;
    const usable =
      vectors.length === chunks.length &&
      length > 0 &&
      vectors.every((v) => v.length === length && v.every(Number.isFinite));
    if (!usable) {
      this.logger.error(
        `The embedding provider answered ${vectors.length} vectors for ${chunks.length} chunks ` +
          'of unequal or empty length, or with non-numbers; the document is refused',
      );
      throw new EmbeddingsUnavailableException();
    }
    return vectors;
  }
}
