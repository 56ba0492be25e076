export * from './analyze';
export * from './der';
export * from './errors';
export * from './probe';
export { defaultResolve } from './resolve';
export { InvalidCaBundleError, parsePemBundle } from './trust';
export * from './types';
export * from './verdict';
