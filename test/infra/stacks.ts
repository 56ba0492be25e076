import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { CertificateExpiryWatcher, type CertificateExpiryWatcherProps } from '../../lib';

const cdkJson = JSON.parse(readFileSync(path.join(__dirname, '../../cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

/** The feature flags and `watcher:` defaults the real app synthesizes with. */
export const CDK_JSON_CONTEXT: Readonly<Record<string, unknown>> = cdkJson.context;

export interface TestStackOptions {
  /** Run esbuild for real; otherwise bundling is skipped (CI has two cores). */
  readonly bundle?: boolean;
  readonly stackName?: string;
}

/** An app with the cdk.json context; `aws:cdk:bundling-stacks: []` skips NodejsFunction bundling. */
export const testApp = (options: TestStackOptions = {}): App =>
  new App({
    context: { ...CDK_JSON_CONTEXT, ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });

/**
 * Test stacks are never deployed: unless a test says who hears the ops topic, they opt out of the
 * subscriber check explicitly (synth warns instead of failing).
 */
export const OPS_OPT_OUT = { opsAlarms: { acknowledgeNoSubscriber: true } } as const;

const withOpsDefault = (props: CertificateExpiryWatcherProps): CertificateExpiryWatcherProps =>
  props.opsAlarms || props.opsTopic || props.opsEmailAddresses?.length
    ? props
    : { ...props, opsAlarms: OPS_OPT_OUT.opsAlarms };

export const watcherStack = (
  props: CertificateExpiryWatcherProps = {},
  options: TestStackOptions = {},
): { app: App; stack: Stack; watcher: CertificateExpiryWatcher } => {
  const app = testApp(options);
  const stack = new Stack(app, options.stackName ?? 'TestStack');
  const watcher = new CertificateExpiryWatcher(stack, 'Watcher', withOpsDefault(props));
  return { app, stack, watcher };
};

/** Every acknowledged rule in the tree, as `<construct path>: <rule id>` → reason. */
export const acknowledgments = (root: IConstruct): Record<string, string> => {
  const found: Record<string, string> = {};
  for (const node of root.node.findAll()) {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        found[`${node.node.path}: ${id.replace(/^annotation::/i, '')}`] = JSON.stringify(reason);
      }
    }
  }
  return found;
};

/** One statement of a synthesized policy document. */
export interface Statement {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** The statements of the scan workers' role policies (every source's grants). */
export const inventoryStatements = (template: Template): Statement[] =>
  Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([id]) => /^WatcherScan.+Worker/.test(id))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);

/** Every action the statements name. */
export const actionsOf = (statements: Statement[]): string[] =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

/** The scan planner's WATCHER_SOURCES setting (every source), parsed. */
export const inventorySources = (template: Template): unknown => {
  const fn = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
    id.startsWith('WatcherScanPlanner'),
  );
  return JSON.parse(fn?.[1].Properties.Environment.Variables.WATCHER_SOURCES);
};
