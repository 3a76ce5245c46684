/**
 * The statements of a conversation's branches: messages form a tree (`parent_id`) and a
 * conversation shows one branch, from a root down to its `active_leaf_id`.
 */

/**
 * A page of the active branch, oldest first: `$1` conversation, `$2` the seq to start after, `$3`
 * page size + 1. The branch is found by walking up the parent links from the active leaf (one
 * index lookup per message); each message of the page comes with its siblings' ids (the messages
 * with the same parent, its own included, oldest first), which tell the client how many versions
 * there are and where this one stands.
 */
export const LIST_BRANCH = `
  WITH RECURSIVE branch AS (
    SELECT m.id, m.parent_id, m.seq FROM conversations c JOIN messages m ON m.id = c.active_leaf_id
    WHERE c.id = $1
    UNION ALL
    SELECT p.id, p.parent_id, p.seq FROM messages p JOIN branch b ON p.id = b.parent_id
  ), page AS (
    SELECT id, parent_id, seq FROM branch WHERE seq > $2 ORDER BY seq LIMIT $3
  )
  SELECT m.id, m.parent_id, m.seq, m.role, m.content, m.tool_calls, m.tool_call_id, m.tool_name,
         m.tokens, m.status, m.created_at, siblings.ids AS sibling_ids
  FROM page JOIN messages m ON m.id = page.id
  CROSS JOIN LATERAL (
    SELECT array_agg(s.id ORDER BY s.seq) AS ids FROM messages s
    WHERE s.conversation_id = $1
      AND (s.parent_id = page.parent_id OR (page.parent_id IS NULL AND s.parent_id IS NULL))
  ) AS siblings
  ORDER BY m.seq`;

/** A row of {@link LIST_BRANCH}. */
export interface BranchMessageRow {
  id: string;
  parent_id: string | null;
  seq: number;
  role: string;
  content: string;
  tool_calls: Array<{ id: string; name: string; args: Record<string, unknown> }> | null;
  tool_call_id: string | null;
  tool_name: string | null;
  tokens: number;
  status: string;
  created_at: Date;
  sibling_ids: string[];
}

/**
 * Shows the branch through message `$3` of conversation `$1` owned by user `$2`: the active leaf
 * becomes the deepest latest descendant of that message (from it, the newest child, again and
 * again). Answers the new leaf; no row when the conversation or the message is not there.
 */
export const SWITCH_BRANCH = `
  WITH RECURSIVE down AS (
    SELECT m.id, 1 AS depth FROM messages m JOIN conversations c ON c.id = m.conversation_id
    WHERE m.id = $3 AND m.conversation_id = $1 AND c.user_id = $2
    UNION ALL
    SELECT child.id, down.depth + 1 FROM down
    CROSS JOIN LATERAL (
      SELECT s.id FROM messages s WHERE s.conversation_id = $1 AND s.parent_id = down.id
      ORDER BY s.seq DESC LIMIT 1
    ) AS child
  ), leaf AS (
    SELECT id FROM down ORDER BY depth DESC LIMIT 1
  )
  UPDATE conversations c SET active_leaf_id = leaf.id FROM leaf
  WHERE c.id = $1 AND c.user_id = $2
  RETURNING leaf.id AS active_leaf_id`;
