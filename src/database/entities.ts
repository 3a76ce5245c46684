import { ConversationEntity } from '../conversations/conversation.entity';
import { MessageEntity } from '../conversations/message.entity';
import { RunEntity, RunEventEntity } from '../runs/run.entity';

/** Every TypeORM entity of the service (the schema itself is owned by the migrations). */
export const ENTITIES = [ConversationEntity, MessageEntity, RunEntity, RunEventEntity];
