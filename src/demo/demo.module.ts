import { Inject, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { appConfig, type AppConfig } from '../config';
import { demoScriptsBuilt } from './demo-assets';
import { DemoController } from './demo.controller';

/** The demo chat page at `/demo` (`DEMO_PAGE_ENABLED`; a development aid, off by default). */
@Module({ controllers: [DemoController] })
export class DemoModule implements OnModuleInit {
  private readonly logger = new Logger('Demo');

  constructor(@Inject(appConfig.KEY) private readonly app: AppConfig) {}

  /** Says at start what an operator should know about the page being on. */
  onModuleInit(): void {
    if (!this.app.demoPageEnabled) return;
    if (this.app.isProduction) {
      this.logger.warn(
        'DEMO_PAGE_ENABLED is set in production: /demo serves a test chat page to anyone. Unset it.',
      );
    }
    if (!demoScriptsBuilt()) {
      this.logger.warn('/demo is enabled but its scripts are not built: run `npm run build:demo`.');
    }
  }
}
