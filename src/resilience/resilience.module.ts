import {
  Module,
  type DynamicModule,
  type FactoryProvider,
  type ModuleMetadata,
} from '@nestjs/common';
import { CircuitBreakerRegistry } from './circuit-breaker.registry';
import { RESILIENCE_SETTINGS, type ResilienceSettings } from './resilience-settings';

/** Options of {@link ResilienceModule.forRootAsync}: build the settings from injected config. */
export interface ResilienceModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  readonly inject?: FactoryProvider['inject'];
  readonly useFactory: (...args: never[]) => ResilienceSettings | Promise<ResilienceSettings>;
}

/**
 * The circuit breakers. Import once, in the root module; it is global so every feature module can
 * inject the one {@link CircuitBreakerRegistry}.
 */
@Module({})
export class ResilienceModule {
  /** Registers the module with settings known up front. */
  static forRoot(settings: ResilienceSettings = {}): DynamicModule {
    return ResilienceModule.build([], { provide: RESILIENCE_SETTINGS, useValue: settings });
  }

  /** Registers the module with settings built by a factory, e.g. from `ConfigService`. */
  static forRootAsync(options: ResilienceModuleAsyncOptions): DynamicModule {
    return ResilienceModule.build(options.imports ?? [], {
      provide: RESILIENCE_SETTINGS,
      inject: options.inject ?? [],
      useFactory: options.useFactory as FactoryProvider['useFactory'],
    });
  }

  private static build(
    imports: NonNullable<ModuleMetadata['imports']>,
    settingsProvider: NonNullable<ModuleMetadata['providers']>[number],
  ): DynamicModule {
    return {
      module: ResilienceModule,
      global: true,
      imports,
      providers: [settingsProvider, CircuitBreakerRegistry],
      exports: [CircuitBreakerRegistry],
    };
  }
}
