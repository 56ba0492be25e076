/** Reads contracts out of the synthesized CloudFormation template, so tests use what deploys. */
export const watcherEventPattern = (): unknown => ({ source: ['cert-expiry-watcher'] });
