export * from './certificate-expiry-watcher';
export * from './config';
export * from './watcher-function';
