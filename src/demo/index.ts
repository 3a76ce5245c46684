import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { DEMO_PAGE_FILE, demoAsset, demoScriptsBuilt } from './demo-assets';

const PAGE_PATHS = new Set(['/demo', '/demo/']);
const ASSETS_PREFIX = '/demo/assets/';

/**
 * Serves the demo chat page at `/demo` and its scripts under `/demo/assets/` (`DEMO_PAGE_ENABLED`;
 * a development aid). Plain Express, mounted only when enabled, so that otherwise the routes do
 * not exist at all; anything it does not serve falls through to the API's `404` problem. Public:
 * the page asks for a token itself, and the API calls it makes carry it.
 */
export function mountDemoPage(app: NestExpressApplication, isProduction: boolean): void {
  const logger = new Logger('Demo');
  if (isProduction) {
    logger.warn(
      'DEMO_PAGE_ENABLED is set in production: /demo serves a test chat page to anyone. Unset it.',
    );
  }
  if (!demoScriptsBuilt()) {
    logger.warn('/demo is enabled but its scripts are not built: run `npm run build:demo`.');
  }
  app.use(serveDemoPage);
}

function serveDemoPage(req: Request, res: Response, next: NextFunction): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return next();
  const sent = (error?: Error) => error && next(error);
  if (PAGE_PATHS.has(req.path)) {
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').sendFile(DEMO_PAGE_FILE, sent);
    return;
  }
  if (!req.path.startsWith(ASSETS_PREFIX)) return next();
  const asset = demoAsset(req.path.slice(ASSETS_PREFIX.length));
  if (!asset) return next();
  res.setHeader('Cache-Control', 'no-cache');
  res.type(asset.type).sendFile(asset.file, sent);
}
