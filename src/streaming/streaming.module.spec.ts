import {
  Controller,
  Get,
  Inject,
  Query,
  Req,
  Res,
  ServiceUnavailableException,
  type INestApplication,
} from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import type { Request, Response } from 'express';
import type { EventStreamWriter } from './event-stream-writer';
import { negotiateStreamFormat } from './stream-format';
import { StreamRegistry } from './stream-registry';
import { STREAM_SETTINGS, type StreamSettings } from './stream-settings';
import { StreamingModule } from './streaming.module';
import { getText } from '../../test/support/streaming/http-test-client';
import { RawStreamClient } from '../../test/support/streaming/raw-stream-client';
import { sampleRun } from '../../test/support/streaming/stream-event-fixtures';
import { parseNdjson, sseEvents } from '../../test/support/stream-parsers';

const opened: EventStreamWriter[] = [];
const arrivals: ((writer: EventStreamWriter) => void)[] = [];

/** The writer the controller opens for the next admitted request. */
function nextWriter(): Promise<EventStreamWriter> {
  return new Promise((resolve) => arrivals.push(resolve));
}

/** The controller shape this folder is built for: `@Res()`, negotiate, admit or 503, stream. */
@Controller('conversations')
class ExampleStreamController {
  constructor(@Inject(StreamRegistry) private readonly streams: StreamRegistry) {}

  @Get(':id/stream')
  stream(@Req() req: Request, @Res() res: Response, @Query('format') format?: string): void {
    const writer = this.streams.openStream(res, negotiateStreamFormat(req.headers.accept, format));
    if (!writer) throw new ServiceUnavailableException('Too many open streams, retry later');
    opened.push(writer);
    arrivals.shift()?.(writer);
  }
}

describe('StreamingModule in a Nest app', () => {
  let app: INestApplication;
  let port: number;

  beforeEach(async () => {
    opened.length = 0;
    arrivals.length = 0;
    const moduleRef = await Test.createTestingModule({
      imports: [StreamingModule.forRoot({ maxConnections: 1, heartbeatMs: 0 })],
      controllers: [ExampleStreamController],
    }).compile();
    app = moduleRef.createNestApplication();
    await app.listen(0, '127.0.0.1');
    port = Number(new URL(await app.getUrl()).port);
  });

  afterEach(() => app.close());

  it('provides one registry with the resolved settings', () => {
    const settings = app.get<StreamSettings>(STREAM_SETTINGS);
    expect(settings).toEqual({
      heartbeatMs: 0,
      flushIntervalMs: 0,
      maxBufferBytes: 1024 * 1024,
      maxConnections: 1,
      maxPerUser: 20,
    });
    expect(app.get(StreamRegistry).capacity).toBe(1);
  });

  it('streams through an @Res() controller, and answers 503 through Nest when full', async () => {
    const events = sampleRun();
    const firstArrived = nextWriter();
    const client = RawStreamClient.get(port, '/conversations/c1/stream');
    const writer = await firstArrived;

    const refused = await getText(port, '/conversations/c1/stream?format=ndjson');
    expect(refused.statusCode).toBe(503);
    expect(JSON.parse(refused.body)).toMatchObject({ statusCode: 503 });

    for (const event of events) writer.send(event);
    await client.waitFor(() => client.ended);
    expect(sseEvents(client.body)).toEqual(events);
    await writer.closed;
    await new Promise((resolve) => setImmediate(resolve));

    const secondArrived = nextWriter();
    const ndjson = getText(port, '/conversations/c1/stream?format=ndjson');
    const second = await secondArrived;
    for (const event of events) second.send(event);
    expect(parseNdjson((await ndjson).body)).toEqual(events);
    expect(opened).toHaveLength(2);
  });
});

describe('StreamingModule.forRootAsync', () => {
  it('builds the settings from a factory, e.g. over ConfigService', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ streamHeartbeatMs: 5000 })] }),
        StreamingModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            heartbeatMs: config.get<number>('streamHeartbeatMs'),
          }),
        }),
      ],
    }).compile();

    expect(moduleRef.get<StreamSettings>(STREAM_SETTINGS).heartbeatMs).toBe(5000);
    expect(moduleRef.get(StreamRegistry).capacity).toBe(10_000);
  });
});
