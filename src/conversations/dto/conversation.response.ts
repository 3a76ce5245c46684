import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ConversationEntity, TitleSource } from '../conversation.entity';
import type { MessageEntity, StoredToolCall } from '../message.entity';

/** A conversation as the API shows it. */
export class ConversationResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, nullable: true }) title!: string | null;
  @ApiProperty({
    type: String,
    enum: ['user', 'generated'],
    nullable: true,
    description:
      'Who wrote the title: `user` (given or changed, also cleared, by the user: never ' +
      'generated then), `generated` (after the first answer), or null (none yet).',
  })
  title_source!: TitleSource | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata!: Record<string, unknown>;
  @ApiProperty() message_count!: number;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;

  /** Maps a stored row to the contract's shape. */
  static from(entity: ConversationEntity): ConversationResponse {
    return {
      id: entity.id,
      title: entity.title,
      title_source: entity.titleSource,
      metadata: entity.metadata,
      message_count: entity.messageCount,
      created_at: entity.createdAt.toISOString(),
      updated_at: entity.updatedAt.toISOString(),
    };
  }
}

/** A tool call an assistant message made. */
export class ToolCallResponse implements StoredToolCall {
  @ApiProperty({ description: 'Matches the `tool_call_id` of the tool message answering it.' })
  id!: string;
  @ApiProperty({ description: 'The tool’s name.' }) name!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The call’s arguments.' })
  args!: Record<string, unknown>;
}

/** A message as the API shows it. */
export class MessageResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The message this one follows (null for a first message).',
  })
  parent_id!: string | null;
  @ApiProperty({ enum: ['user', 'assistant', 'tool'] }) role!: string;
  @ApiProperty() content!: string;
  @ApiPropertyOptional({
    type: [ToolCallResponse],
    description: 'An assistant message’s tool calls.',
  })
  tool_calls?: StoredToolCall[];
  @ApiPropertyOptional() tool_call_id?: string;
  @ApiPropertyOptional() tool_name?: string;
  @ApiProperty() tokens!: number;
  @ApiProperty({ enum: ['complete', 'partial', 'failed'] }) status!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiPropertyOptional({
    description:
      'In a branch listing: how many versions of this message there are (the messages with the ' +
      'same parent, itself included; 1 when it was never edited or regenerated).',
    minimum: 1,
  })
  sibling_count?: number;
  @ApiPropertyOptional({
    description: 'In a branch listing: its position among them, 0-based, oldest first.',
    minimum: 0,
  })
  sibling_index?: number;
  @ApiPropertyOptional({
    type: [String],
    description:
      'In a branch listing: the ids of the versions, oldest first (`PUT .../active-branch` shows one).',
  })
  sibling_ids?: string[];

  /** Maps a stored row to the contract's shape; tool fields appear only when set. */
  static from(entity: MessageEntity): MessageResponse {
    return {
      id: entity.id,
      parent_id: entity.parentId,
      role: entity.role,
      content: entity.content,
      ...(entity.toolCalls ? { tool_calls: entity.toolCalls } : {}),
      ...(entity.toolCallId ? { tool_call_id: entity.toolCallId } : {}),
      ...(entity.toolName ? { tool_name: entity.toolName } : {}),
      tokens: entity.tokens,
      status: entity.status,
      created_at: entity.createdAt.toISOString(),
    };
  }
}

/** A conversation in a list: with `?q=`, also how well it matched and where. */
export class ConversationListItem extends ConversationResponse {
  @ApiPropertyOptional({
    description: 'With `?q=`: the full-text rank (higher is better; hits come best first).',
  })
  rank?: number;
  @ApiPropertyOptional({
    description:
      'With `?q=`: a few words around the hits of the best matching message (or of the title), ' +
      'HTML-escaped, each hit in `<mark>…</mark>`; fragments are joined by ` … `.',
  })
  snippet?: string;
  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'With `?q=`: the message the snippet comes from (null: from the title).',
  })
  snippet_message_id?: string | null;
}

/** A page of conversations. */
export class ConversationPage {
  @ApiProperty({ type: [ConversationListItem] }) items!: ConversationListItem[];
  @ApiProperty({ type: String, nullable: true }) next_cursor!: string | null;
}

/** The answer of `PUT /conversations/{id}/active-branch`. */
export class ActiveBranchResponse {
  @ApiProperty({ format: 'uuid', description: 'The message that was selected.' })
  message_id!: string;
  @ApiProperty({
    format: 'uuid',
    description: 'The last message of the branch now shown: the newest descendant, down to a leaf.',
  })
  active_leaf_id!: string;
}

/** A page of messages. */
export class MessagePage {
  @ApiProperty({ type: [MessageResponse] }) items!: MessageResponse[];
  @ApiProperty({ type: String, nullable: true }) next_cursor!: string | null;
}
