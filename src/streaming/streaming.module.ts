import { Global, Module } from '@nestjs/common';
import { STREAM_SETTINGS, resolveStreamSettings, type StreamSettings } from './stream-settings';
import { StreamRegistry } from './stream-registry';
import {
  ConfigurableStreamingModule,
  STREAMING_MODULE_OPTIONS,
} from './streaming.module-definition';

/**
 * Streaming transport. Import `StreamingModule.forRoot(...)` (or `forRootAsync`) once, in the app
 * module: it is global so that every feature shares the one `StreamRegistry` and its capacity.
 */
@Global()
@Module({
  providers: [
    {
      provide: STREAM_SETTINGS,
      inject: [STREAMING_MODULE_OPTIONS],
      useFactory: (input: Partial<StreamSettings>) => resolveStreamSettings(input),
    },
    StreamRegistry,
  ],
  exports: [STREAM_SETTINGS, StreamRegistry],
})
export class StreamingModule extends ConfigurableStreamingModule {}
