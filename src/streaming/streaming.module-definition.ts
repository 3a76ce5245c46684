import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { StreamSettings } from './stream-settings';

/** `StreamingModule.forRoot(settings)` / `forRootAsync({ useFactory, inject })`, built by Nest. */
export const {
  ConfigurableModuleClass: ConfigurableStreamingModule,
  MODULE_OPTIONS_TOKEN: STREAMING_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<Partial<StreamSettings>>().setClassMethodName('forRoot').build();
