import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConversationsModule } from '../conversations/conversations.module';
import { WebhooksModule } from '../webhooks';
import { AbandonedRunsSweeper } from './abandoned-runs.sweeper';
import { BackgroundRunsController } from './background-runs.controller';
import { BackgroundRunsService } from './background-runs.service';
import { agentRunnerProvider } from './agent-runner.provider';
import { ConversationTitles } from './conversation-titles';
import { LiveRuns } from './live-runs.registry';
import { MessageRunsController } from './message-runs.controller';
import { ResilientAgentHooks } from './resilient-agent-hooks';
import { ResponseCache } from './response-cache';
import { RunApprovalsController } from './run-approvals.controller';
import { RunApprovals } from './run-approvals.service';
import { RunEventLog } from './run-event-log';
import { RunEventsRetention } from './run-events.retention';
import { RunEventStore } from './run-event.store';
import { RunExecutor } from './run-executor.service';
import { RunNotificationsService } from './run-notifications.service';
import { RunStreamResponder } from './run-stream.responder';
import { RunEntity, RunEventEntity } from './run.entity';
import { RunRepository } from './run.repository';
import { RunsController } from './runs.controller';
import { RunsService } from './runs.service';

/** Agent runs: starting, executing, streaming, resuming, cancelling. Exports the service only. */
@Module({
  imports: [
    TypeOrmModule.forFeature([RunEntity, RunEventEntity]),
    ConversationsModule,
    WebhooksModule,
  ],
  controllers: [
    RunsController,
    RunApprovalsController,
    BackgroundRunsController,
    MessageRunsController,
  ],
  providers: [
    ResilientAgentHooks,
    ResponseCache,
    agentRunnerProvider,
    RunRepository,
    RunEventStore,
    RunNotificationsService,
    RunEventLog,
    LiveRuns,
    AbandonedRunsSweeper,
    RunEventsRetention,
    ConversationTitles,
    RunExecutor,
    RunStreamResponder,
    RunApprovals,
    RunsService,
    BackgroundRunsService,
  ],
  exports: [RunsService, LiveRuns, RunStreamResponder],
})
export class RunsModule {}
