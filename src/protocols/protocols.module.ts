import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module';
import { AgUiController } from './ag-ui/ag-ui.controller';
import { AiSdkChatController } from './ai-sdk/ai-sdk-chat.controller';

/**
 * The protocols frontends already speak, each an adapter over the same runs as
 * `POST /conversations/{id}/stream`: the Vercel AI SDK's UI message stream (`useChat`) and AG-UI
 * (`HttpAgent`, CopilotKit).
 */
@Module({
  imports: [RunsModule],
  controllers: [AiSdkChatController, AgUiController],
})
export class ProtocolsModule {}
