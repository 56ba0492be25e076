import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { STATE_TABLE_SCHEMA } from '../../lambda/contracts/state-table';
import { type CertificateExpiryWatcher, InvalidWatcherConfigError, lifecycleEnvironment } from '../../lib';
import { watcherStack } from './stacks';

describe('the lifecycle state table', () => {
  let template: Template;
  let watcher: CertificateExpiryWatcher;

  beforeAll(() => {
    const built = watcherStack({
      endpoints: [{ host: 'example.com' }],
      lifecycle: { removeAfterMissingScans: 5, criticalReminderIntervalDays: 2 },
    });
    watcher = built.watcher;
    template = Template.fromStack(built.stack);
  });

  it('is on-demand, point-in-time recoverable, KMS encrypted, with TTL and the scope index the store queries', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: STATE_TABLE_SCHEMA.partitionKey.name, KeyType: 'HASH' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      GlobalSecondaryIndexes: [
        {
          IndexName: 'by-scope',
          KeySchema: [
            { AttributeName: 'scope', KeyType: 'HASH' },
            { AttributeName: 'pk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['removedAt', 'outboxPending'] },
        },
      ],
    });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(watcher.stateTable).toBeDefined();
  });

  it('passes its name and the lifecycle settings to the scan planner, the scan worker and the prober (its name alone to the endpoint dispatcher)', () => {
    const fns = Object.values(template.findResources('AWS::Lambda::Function')) as {
      Properties: { Environment: { Variables: Record<string, unknown> } };
    }[];
    // The fan-out has the table too, for its delivery ledger only (below).
    const withTable = fns.filter(
      (f) =>
        f.Properties.Environment.Variables.STATE_TABLE_NAME !== undefined &&
        f.Properties.Environment.Variables.CHAT_TOPIC_ARN === undefined,
    );
    const dispatchers = withTable.filter(
      (f) => f.Properties.Environment.Variables.PROBE_BATCH_SIZE !== undefined,
    );
    expect(withTable).toHaveLength(4);
    expect(dispatchers).toHaveLength(1);
    for (const f of withTable.filter((x) => !dispatchers.includes(x))) {
      expect(f.Properties.Environment.Variables).toMatchObject({
        REMOVE_AFTER_MISSING_SCANS: '5',
        CRITICAL_REMINDER_INTERVAL_DAYS: '2',
      });
    }
  });

  it('gives the fan-out the table for its delivery ledger: GetItem and UpdateItem on `delivered#` items only', () => {
    type Fn = { Properties: { Environment: { Variables: Record<string, unknown> } } };
    const fanout = (Object.values(template.findResources('AWS::Lambda::Function')) as Fn[]).find(
      (f) => f.Properties.Environment.Variables.CHAT_TOPIC_ARN !== undefined,
    );
    const vars = fanout?.Properties.Environment.Variables ?? {};
    expect(vars.STATE_TABLE_NAME).toBeDefined();
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }).Properties
          .PolicyDocument.Statement,
    );
    const ledger = statements.filter((s) =>
      JSON.stringify(s.Condition ?? {}).includes('dynamodb:LeadingKeys'),
    );
    expect(ledger.length).toBeGreaterThan(0);
    for (const s of ledger) {
      expect(s.Action).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
      expect(s.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['delivered#*'] } });
    }
  });

  it('grants the scan functions only batched reads, conditional writes and the named index, never DeleteItem; Scan only on the index, alone', () => {
    // The scheduled report reads the whole table (lib/report.ts, test/infra/report.test.ts); not a scan function.
    const policies = Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([id]) => !id.startsWith('WatcherReportFunctionRole'))
      .map(([, p]) => p) as {
      Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } };
    }[];
    const text = JSON.stringify(policies);
    expect(text).toContain('/index/by-scope');
    expect(text).not.toContain('index/*');
    expect(text).not.toContain('dynamodb:DeleteItem');
    // The endpoint dispatcher lists the tracked scopes to retire removed endpoints: the index, nothing else.
    const scans = policies
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((st) => [st.Action].flat().includes('dynamodb:Scan'));
    expect(scans).toHaveLength(1);
    expect(scans[0]!.Action).toBe('dynamodb:Scan');
    expect(JSON.stringify(scans[0]!.Resource)).toMatch(/\/index\/by-scope"/);
  });

  it('rejects lifecycle settings the Lambdas would reject, at synth', () => {
    const thresholds = { tiersDays: [30, 14, 7], criticalDays: 7 };
    expect(() => lifecycleEnvironment({ removeAfterMissingScans: 0 }, thresholds)).toThrow(
      InvalidWatcherConfigError,
    );
    expect(() => lifecycleEnvironment({ removeAfterMissingScans: 0 }, thresholds)).toThrow(
      /lifecycle\.removeAfterMissingScans/,
    );
    expect(lifecycleEnvironment({ shortLivedMaxDays: 47 }, thresholds)).toEqual({
      SHORT_LIVED_MAX_DAYS: '47',
    });
  });
});
