import { ConversationEntity } from '../conversations/conversation.entity';
import { MessageEntity } from '../conversations/message.entity';
import { KnowledgeChunkEntity } from '../knowledge/knowledge-chunk.entity';
import { KnowledgeDocumentEntity } from '../knowledge/knowledge-document.entity';
import { RunEntity, RunEventEntity } from '../runs/run.entity';

/** Every TypeORM entity of the service (the schema itself is owned by the migrations). */
export const ENTITIES = [
  ConversationEntity,
  MessageEntity,
  RunEntity,
  RunEventEntity,
  KnowledgeDocumentEntity,
  KnowledgeChunkEntity,
];
