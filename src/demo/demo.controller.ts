import { Controller, Get, Header, Inject, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { DomainException, ErrorCode } from '../common/errors/domain.exception';
import { appConfig, type AppConfig } from '../config';
import { DEMO_PAGE_FILE, demoAsset } from './demo-assets';

/**
 * The demo chat page and its scripts, when `DEMO_PAGE_ENABLED` is set; otherwise the routes
 * answer exactly as routes that do not exist. Public: the page asks for a token itself and the
 * API calls it makes carry it. Not part of the API, so not in the OpenAPI document.
 */
@ApiExcludeController()
@Public()
@Controller('demo')
export class DemoController {
  constructor(@Inject(appConfig.KEY) private readonly app: AppConfig) {}

  /** The page. */
  @Get()
  @Header('Cache-Control', 'no-store')
  page(@Res() res: Response): void {
    this.assertEnabled();
    res.type('html').sendFile(DEMO_PAGE_FILE);
  }

  /** A compiled script of the page or of the client package it is built on. */
  @Get('assets/*path')
  @Header('Cache-Control', 'no-cache')
  asset(@Param('path') path: string | string[], @Res() res: Response): void {
    this.assertEnabled();
    const asset = demoAsset(Array.isArray(path) ? path.join('/') : path);
    if (!asset) throw notFound();
    res.type(asset.type).sendFile(asset.file);
  }

  private assertEnabled(): void {
    if (!this.app.demoPageEnabled) throw notFound();
  }
}

function notFound(): DomainException {
  return new DomainException(ErrorCode.RouteNotFound, 404, 'No such route.');
}
