// The health module's public API; import from 'src/health' rather than its files.
export type { DependencyReport, DependencyState, HealthContributor } from './dependency-report';
export { HealthContributorRegistry } from './health-contributor.registry';
export { HealthModule } from './health.module';
export { STREAMING_STATUS, type StreamingFigures, type StreamingStatus } from './streaming-status';
