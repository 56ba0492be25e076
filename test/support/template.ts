/**
 * Reads contracts out of the synthesized CloudFormation template, so integration tests and the
 * demo route events with exactly what `cdk deploy` would create.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { CertificateExpiryWatcher, type CertificateExpiryWatcherProps } from '../../lib';

let cached: Template | undefined;
let cachedWarnings: string[] = [];

/** The watcher's template with default props; Lambda bundling is skipped (it does not change patterns). */
export const watcherTemplate = (props: CertificateExpiryWatcherProps = {}): Template => {
  if (cached && Object.keys(props).length === 0) return cached;
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'PatternSource', { env: { region: 'us-east-1', account: '111122223333' } });
  // Read, never deployed: without a subscriber of its own, it opts out of the ops check explicitly.
  const reached = props.opsAlarms || props.opsTopic || props.opsEmailAddresses?.length;
  new CertificateExpiryWatcher(
    stack,
    'Watcher',
    reached ? props : { ...props, opsAlarms: { acknowledgeNoSubscriber: true } },
  );
  const template = Template.fromStack(stack);
  if (Object.keys(props).length === 0) {
    cached = template;
    cachedWarnings = Annotations.fromStack(stack)
      .findWarning('*', Match.anyValue())
      .map((w) => String(w.entry.data));
  }
  return template;
};

/** What synth warns about the default watcher (the explicit ops opt-out), as `cdk synth` prints it. */
export const watcherWarnings = (): readonly string[] => {
  watcherTemplate();
  return cachedWarnings;
};

/** The event pattern of the bus archive: every event the watcher emits. */
export const watcherEventPattern = (props: CertificateExpiryWatcherProps = {}): unknown => {
  const archives = Object.values(watcherTemplate(props).findResources('AWS::Events::Archive'));
  if (archives.length !== 1) throw new Error(`expected one AWS::Events::Archive, found ${archives.length}`);
  const pattern = (archives[0] as { Properties: { EventPattern?: unknown } }).Properties.EventPattern;
  if (!pattern) throw new Error('the archive has no EventPattern');
  return pattern;
};

/**
 * CreateTable input for the state table exactly as the stack declares it (keys, index,
 * projection), so tests on moto exercise the store against the deployed table design.
 */
export const stateTableInputFromTemplate = (tableName: string) => {
  const tables = Object.values(watcherTemplate().findResources('AWS::DynamoDB::Table'));
  if (tables.length !== 1) throw new Error(`expected one AWS::DynamoDB::Table, found ${tables.length}`);
  const p = (tables[0] as { Properties: Record<string, unknown> }).Properties as {
    KeySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
    AttributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
    BillingMode: 'PAY_PER_REQUEST';
    GlobalSecondaryIndexes: {
      IndexName: string;
      KeySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
      Projection: { ProjectionType: 'INCLUDE' | 'ALL' | 'KEYS_ONLY'; NonKeyAttributes?: string[] };
    }[];
  };
  return {
    TableName: tableName,
    KeySchema: p.KeySchema,
    AttributeDefinitions: p.AttributeDefinitions,
    BillingMode: p.BillingMode,
    GlobalSecondaryIndexes: p.GlobalSecondaryIndexes,
  };
};
