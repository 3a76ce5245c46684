import { CreateConversations1764180000000 } from './1764180000000-create-conversations';
import { CreateRuns1764190000000 } from './1764190000000-create-runs';
import { CreateKnowledge1764200000000 } from './1764200000000-create-knowledge';
import { RunOwnerLocks1764210000000 } from './1764210000000-run-owner-locks';
import { RunApprovals1764220000000 } from './1764220000000-run-approvals';
import { MessageBranches1764230000000 } from './1764230000000-message-branches';
import { Webhooks1764240000000 } from './1764240000000-webhooks';

/** Every migration, oldest first. `npm run migration:generate` prints the line to add here. */
export const MIGRATIONS = [
  CreateConversations1764180000000,
  CreateRuns1764190000000,
  CreateKnowledge1764200000000,
  RunOwnerLocks1764210000000,
  RunApprovals1764220000000,
  MessageBranches1764230000000,
  Webhooks1764240000000,
];
