export * from './certificate-expiry-watcher';
export * from './channels';
export * from './config';
export * from './endpoint-probes';
export * from './fanout';
export * from './sources';
export * from './state-table';
export * from './watcher-function';
