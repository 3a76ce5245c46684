import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ConversationsModule } from '../conversations/conversations.module';
import { StreamTokensController } from './stream-tokens.controller';
import { StreamTokensService } from './stream-tokens.service';

/** `POST /conversations/{id}/stream-tokens`; the auth guard checks the tokens. */
@Module({
  imports: [AuthModule, ConversationsModule],
  controllers: [StreamTokensController],
  providers: [StreamTokensService],
})
export class StreamTokensModule {}
