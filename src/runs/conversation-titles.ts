import { Inject, Injectable, Logger } from '@nestjs/common';
import { AgentRunner } from '../agent';
import { llmConfig, type LlmConfig } from '../config';
import { ConversationsService } from '../conversations/conversations.service';
import { CircuitBreakerRegistry } from '../resilience';
import type { LiveRun } from './live-runs.registry';
import { RunEventLog } from './run-event-log';

/**
 * The longest a title may take after the answer. Naming a conversation is a courtesy: it must
 * never hold the run's end for long, whatever the model does.
 */
export const TITLE_TIMEOUT_MS = 5000;

/**
 * Names an untitled conversation after a run answered it: one model call through the `llm`
 * breaker (the local model answers with the question's first words), the title stored on the
 * conversation (`title_source: generated`) unless someone named it meanwhile, then a `title` event
 * before the run's `complete_state`. Any failure (open circuit, error, timeout, the run cancelled)
 * means no title, never a failed run.
 */
@Injectable()
export class ConversationTitles {
  private readonly logger = new Logger('ConversationTitles');

  constructor(
    private readonly agent: AgentRunner,
    private readonly breakers: CircuitBreakerRegistry,
    private readonly conversations: ConversationsService,
    private readonly log: RunEventLog,
    @Inject(llmConfig.KEY) private readonly llm: LlmConfig,
  ) {}

  /** Names the run's conversation when it wants a name; never rejects. */
  async name(context: {
    run: LiveRun;
    question: { content: string };
    nameConversation?: boolean;
  }): Promise<void> {
    const { run } = context;
    if (!context.nameConversation || !this.llm.titles) return;
    try {
      const signal = AbortSignal.any([run.abort.signal, AbortSignal.timeout(TITLE_TIMEOUT_MS)]);
      const title = await this.breakers.execute('llm', () =>
        this.agent.title(context.question.content, signal),
      );
      if (title === null || run.abort.signal.aborted) return;
      if (await this.conversations.setGeneratedTitle(run.conversationId, title)) {
        this.log.append(run.runId, { type: 'title', title });
      }
    } catch (error) {
      this.logger.debug(`No title for conversation ${run.conversationId}: ${String(error)}`);
    }
  }
}
