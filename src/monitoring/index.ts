// The monitoring module's public API; import from 'src/monitoring' rather than its files.
export type { EndpointStats } from './endpoint-stats.window';
export { MonitoringModule } from './monitoring.module';
export type { MonitoringReport } from './monitoring.service';
export * from './process-figures';
