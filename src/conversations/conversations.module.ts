import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConversationEntity } from './conversation.entity';
import { ConversationSearchService } from './conversation-search.service';
import { ConversationsController } from './conversations.controller';
import { ConversationsService } from './conversations.service';
import { MessageEntity } from './message.entity';
import { MessagesService } from './messages.service';

/** Conversations and their messages. Exports services only; persistence stays inside. */
@Module({
  imports: [TypeOrmModule.forFeature([ConversationEntity, MessageEntity])],
  controllers: [ConversationsController],
  providers: [ConversationsService, ConversationSearchService, MessagesService],
  exports: [ConversationsService, MessagesService],
})
export class ConversationsModule {}
