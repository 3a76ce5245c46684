// The lifecycle module's public API; import from 'src/lifecycle' rather than its files.
export * from './drain-participant';
export * from './lifecycle.module';
export * from './lifecycle.service';
