import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConversationsModule } from '../conversations/conversations.module';
import { AbandonedRunsSweeper } from './abandoned-runs.sweeper';
import { agentRunnerProvider } from './agent-runner.provider';
import { ConversationTitles } from './conversation-titles';
import { LiveRuns } from './live-runs.registry';
import { MessageRunsController } from './message-runs.controller';
import { ResilientAgentHooks } from './resilient-agent-hooks';
import { ResponseCache } from './response-cache';
import { RunEventLog } from './run-event-log';
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
  imports: [TypeOrmModule.forFeature([RunEntity, RunEventEntity]), ConversationsModule],
  controllers: [RunsController, MessageRunsController],
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
    ConversationTitles,
    RunExecutor,
    RunStreamResponder,
    RunsService,
  ],
  exports: [RunsService, LiveRuns],
})
export class RunsModule {}
