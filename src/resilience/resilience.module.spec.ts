import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CircuitBreakerRegistry } from './circuit-breaker.registry';
import { ResilienceModule } from './resilience.module';
import type { ResilienceSettings } from './resilience-settings';

@Injectable()
class ConfigStub {
  readonly llmTimeoutMs = 45_000;
}

@Module({ providers: [ConfigStub], exports: [ConfigStub] })
class ConfigStubModule {}

describe('ResilienceModule', () => {
  it('forRoot() provides the registry, built from the given settings', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ResilienceModule.forRoot({ breakers: { llm: { callTimeoutMs: 30_000 } } })],
    }).compile();

    expect(moduleRef.get(CircuitBreakerRegistry).get('llm').settings.callTimeoutMs).toBe(30_000);
  });

  it('forRoot() without settings uses the defaults', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ResilienceModule.forRoot()],
    }).compile();

    expect(moduleRef.get(CircuitBreakerRegistry).get('llm').settings.callTimeoutMs).toBe(60_000);
  });

  it('forRootAsync() builds the settings from injected config', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ResilienceModule.forRootAsync({
          imports: [ConfigStubModule],
          inject: [ConfigStub],
          useFactory: (config: ConfigStub): ResilienceSettings => ({
            breakers: { llm: { callTimeoutMs: config.llmTimeoutMs } },
          }),
        }),
      ],
    }).compile();

    expect(moduleRef.get(CircuitBreakerRegistry).get('llm').settings.callTimeoutMs).toBe(45_000);
  });

  it('forRootAsync() works without imports or inject', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ResilienceModule.forRootAsync({ useFactory: () => ({}) })],
    }).compile();

    expect(moduleRef.get(CircuitBreakerRegistry).has('tools')).toBe(true);
  });
});
