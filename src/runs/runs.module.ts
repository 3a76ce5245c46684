import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConversationsModule } from '../conversations/conversations.module';
import { agentRunnerProvider } from './agent-runner.provider';
import { RunEventBatcher } from './run-event.batcher';
import { RunEventStore } from './run-event.store';
import { RunExecutor } from './run-executor.service';
import { RunFollower } from './run-follower.service';
import { RunNotificationsService } from './run-notifications.service';
import { RunEntity, RunEventEntity } from './run.entity';
import { RunRepository } from './run.repository';
import { ResilientAgentHooks } from './resilient-agent-hooks';
import { ResponseCache } from './response-cache';
import { RunsController } from './runs.controller';
import { RunsService } from './runs.service';

/** Agent runs: starting, executing, streaming, resuming, cancelling. Exports the service only. */
@Module({
  imports: [TypeOrmModule.forFeature([RunEntity, RunEventEntity]), ConversationsModule],
  controllers: [RunsController],
  providers: [
    ResilientAgentHooks,
    ResponseCache,
    agentRunnerProvider,
    RunRepository,
    RunEventStore,
    RunEventBatcher,
    RunNotificationsService,
    RunExecutor,
    RunFollower,
    RunsService,
  ],
  exports: [RunsService],
})
export class RunsModule {}
