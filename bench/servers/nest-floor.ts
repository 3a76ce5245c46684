/**
 * The framework's own ceiling: a bare NestJS 11 application on Express 5, as the app builds it
 * (`NestFactory.create`), with one controller answering `GET /api/v1/conversations` with a fixed
 * page of 20 conversations from memory: no middleware, guard, pipe, interceptor, logging, auth or
 * database. Whatever the app does per request comes on top of what this one costs, so its
 * throughput bounds the app's from above on the same machine (see docs/PERFORMANCE.md).
 *
 * Run by the bench as a child process; `PORT` from the environment.
 */
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

const now = new Date().toISOString();
/** The shape and size of a first page of the app's list. */
const PAGE = {
  items: Array.from({ length: 20 }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    title: 'bench',
    metadata: {},
    message_count: 0,
    created_at: now,
    updated_at: now,
  })),
  next_cursor: Buffer.from(
    JSON.stringify({ t: now, i: '00000000-0000-4000-8000-000000000019' }),
  ).toString('base64url'),
};

@Controller()
class FloorController {
  @Get('api/v1/conversations')
  list(): typeof PAGE {
    return PAGE;
  }

  @Get('health/ready')
  ready(): { status: string } {
    return { status: 'ok' };
  }
}

@Module({ controllers: [FloorController] })
class FloorModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(FloorModule, { logger: false });
  await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
