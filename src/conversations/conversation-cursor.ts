import { isUUID } from 'class-validator';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { isCursorTimestamp, isInt4 } from '../common/pagination/cursor-fields';

/** Keyset position in "newest first": the last conversation's `(created_at, id)`. */
export interface ConversationPosition {
  t: string;
  i: string;
}

/** Cursor of the conversation list. */
export const conversationCursor = new CursorCodec<ConversationPosition>(
  (value): value is ConversationPosition =>
    typeof value === 'object' &&
    value !== null &&
    isCursorTimestamp((value as ConversationPosition).t) &&
    typeof (value as ConversationPosition).i === 'string' &&
    isUUID((value as ConversationPosition).i),
);

/** Keyset position in a conversation's messages: the last message's `seq` (an int4 column). */
export interface MessagePosition {
  s: number;
}

/** Cursor of the message list. */
export const messageCursor = new CursorCodec<MessagePosition>(
  (value): value is MessagePosition =>
    typeof value === 'object' && value !== null && isInt4((value as MessagePosition).s),
);
