import { Injectable } from '@nestjs/common';
import { StreamTokenSigner } from '../auth/stream-token.signer';
import { ConversationsService } from '../conversations/conversations.service';
import { DatabaseCalls } from '../database/database-calls';
import type { StreamTokenResponse } from './stream-token.response';

/** Hands out stream tokens for the caller's own conversations. */
@Injectable()
export class StreamTokensService {
  constructor(
    private readonly conversations: ConversationsService,
    private readonly signer: StreamTokenSigner,
    private readonly database: DatabaseCalls,
  ) {}

  /**
   * A token that opens the stream of `conversationId` for a short while.
   * @throws 404 when the conversation is not the user's (as every route does)
   */
  async issue(userId: string, conversationId: string): Promise<StreamTokenResponse> {
    await this.database.run(() => this.conversations.requireOwned(userId, conversationId));
    return this.signer.mint(userId, conversationId);
  }
}
