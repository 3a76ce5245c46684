import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { demoAsset } from './demo-assets';
import { mountDemoPage } from './index';

describe('demo page', () => {
  afterEach(() => jest.restoreAllMocks());

  it('refuses any path that could leave packages/demo-page/dist or is not a script', () => {
    for (const path of ['../package.json', 'a/../../b.js', '/etc/passwd', 'x.ts', 'x', '.js']) {
      expect(demoAsset(path)).toBeUndefined();
    }
  });

  it('warns when enabled in production', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const use = jest.fn();
    mountDemoPage({ use } as unknown as NestExpressApplication, true);
    expect(use).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls.map(([message]) => String(message)).join('\n')).toContain(
      'DEMO_PAGE_ENABLED is set in production',
    );
    warn.mockClear();
    mountDemoPage({ use } as unknown as NestExpressApplication, false);
    expect(warn.mock.calls.map(([message]) => String(message)).join('\n')).not.toContain(
      'production',
    );
  });
});
