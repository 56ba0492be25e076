#!/usr/bin/env node
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CertificateExpiryWatcher, InvalidWatcherConfigError } from '../lib';
import { InvalidContextError, parseWatcherContext } from '../lib/context';
import { organizationKeyOf } from '../lib/context-organization';

// The app only reads configuration and instantiates the construct; see docs/configuration.md.
const app = new App();

let config: ReturnType<typeof parseWatcherContext>;
try {
  config = parseWatcherContext(app.node.getAllContext());
} catch (error) {
  if (!(error instanceof InvalidContextError)) throw error;
  console.error(error.message);
  process.exit(1);
}

// Account and region as the CDK CLI resolves them: the account needs credentials, the region does not
// (AWS_REGION, the profile's, else the CLI's us-east-1); run without the CLI, the stack is
// environment-agnostic and resolves both at deploy time (docs/configuration.md).
const stack = new Stack(app, config.stackName, {
  description: 'cert-expiry-watcher: ACM certificate expiry events, with alarms on the watcher itself',
  env: {
    account: process.env.CDK_DEFAULT_ACCOUNT || undefined,
    region: process.env.CDK_DEFAULT_REGION || undefined,
  },
});
try {
  new CertificateExpiryWatcher(stack, 'Watcher', config.watcherProps);
} catch (error) {
  // A value that passed context parsing but not the construct's own checks: say which, no stack trace.
  if (!(error instanceof InvalidWatcherConfigError)) throw error;
  const key = organizationKeyOf(error.message) ?? 'watcher:*';
  console.error(`Invalid watcher configuration (cdk.json context "${key}"): ${error.message}`);
  process.exit(1);
}

Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

// The construct's synth-time checks (the ops topic needs a subscriber) name their context keys.
try {
  app.synth();
} catch (error) {
  const message = (error as Error).message;
  if (!message.startsWith('Validation failed')) throw error;
  console.error(`Invalid watcher configuration: ${message}`);
  process.exit(1);
}
