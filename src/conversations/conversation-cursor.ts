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

/** Keyset position in search hits, best first: the last hit's `(rank, id)`. */
export interface SearchPosition {
  r: number;
  i: string;
}

/**
 * A rank PostgreSQL takes back as the `real` it came from: 0, or within the normal range of a
 * float4 (a tiny or huge number from a forged cursor would be a database error, not a 400).
 */
function isRank(value: unknown): value is number {
  return typeof value === 'number' && (value === 0 || (value >= 1e-30 && value <= 1e6));
}

/** Cursor of the conversation search. */
export const searchCursor = new CursorCodec<SearchPosition>(
  (value): value is SearchPosition =>
    typeof value === 'object' &&
    value !== null &&
    isRank((value as SearchPosition).r) &&
    typeof (value as SearchPosition).i === 'string' &&
    isUUID((value as SearchPosition).i),
);
