import { Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaEventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { WATCHER_ROLE_PATH } from '../lambda/contracts/member-role';
import {
  ACCOUNTS_ENV,
  type AccountsSetting,
  COVERAGE_GAP_PERIODS_ENV,
  checkAccountsSetting,
  DEFAULT_MEMBER_ROLE_NAME,
  MEMBER_ROLE_ENV,
  PARTITION_ENV,
  ROLE_NAME_PATTERN,
  SCAN_QUEUES_ENV,
  SELF_ACCOUNTS,
} from '../lambda/contracts/organization';
import { SOURCES_ENV } from '../lambda/contracts/sources';
import { queueTiming, WORK_RECEIVES } from '../lambda/contracts/timing';
import { InvalidWatcherConfigError } from './config';
import { failureMetricAlarm, functionErrorsAlarm, queueAgeAlarm } from './ops-alarms';
import type { OrganizationScanProps } from './organization-scan-props';
import { timingOf, workQueue } from './queues';
import type { IWatcherSource } from './sources/source';
import type { StateTable } from './state-table';
import { WatcherFunction } from './watcher-function';

/** Where each built-in kind's scan worker entry is; a plugin of your own gives `workerEntry`. */
export const workerEntryOf = (source: IWatcherSource): string =>
  source.workerEntry ?? `lambda/handlers/scan-workers/${source.kind}.ts`;

const pascal = (kind: string): string =>
  kind
    .split('-')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');

export interface ScanFanoutProps {
  readonly sources: readonly IWatcherSource[];
  readonly regions: readonly string[];
  readonly accounts: AccountsSetting;
  readonly memberRoleName: string;
  /** Scopes one source lists at once (its worker's SQS maximum concurrency, 2-1000). */
  readonly scanConcurrency: number;
  readonly coverageGapPeriods: number;
  /** Timeout of one scope's scan. */
  readonly timeout: Duration;
  readonly memorySizeMb: number;
  readonly logRetention?: logs.RetentionDays;
  /** Environment every scan function shares (bus, thresholds, lifecycle, ...). */
  readonly environment: Readonly<Record<string, string>>;
  readonly bus: events.IEventBus;
  readonly stateTable: StateTable;
  readonly deadLetterQueue: sqs.IQueue;
  readonly opsTopic: sns.ITopic;
  /** A unit still queued after one scan interval is stale: its queue's age alarm fires. */
  readonly scanInterval: Duration;
  /** The `Watcher` dimension of the metrics the workers emit. */
  readonly watcherId: string;
}

/**
 * The scan as a fan-out: a planner (run by the schedule) enqueues one unit per (account, region,
 * source) scope on the source's own queue; one worker function per source kind, with only that
 * source's read permissions and SDK client, lists the scopes with bounded concurrency, runs the
 * lifecycle and records coverage. A unit that fails every attempt goes to the dead-letter queue
 * and the period reports its scope NOT_COMPLETED.
 */
export class ScanFanout extends Construct {
  readonly planner: lambda.IFunction;
  /** The worker of each source kind. */
  readonly workers: Readonly<Record<string, lambda.IFunction>>;
  /** The scan unit queue of each source kind. */
  readonly queues: Readonly<Record<string, sqs.IQueue>>;
  readonly errorsAlarm: cloudwatch.Alarm;
  /** ALARM when a period could not list a scope completely (ScopesFailed). */
  readonly scopesFailedAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ScanFanoutProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const crossAccount = props.accounts.mode !== 'self';
    const baseEnv = {
      ...props.environment,
      [ACCOUNTS_ENV]: stack.toJsonString(props.accounts),
      [MEMBER_ROLE_ENV]: props.memberRoleName,
      [PARTITION_ENV]: Aws.PARTITION,
      [COVERAGE_GAP_PERIODS_ENV]: String(props.coverageGapPeriods),
    };
    const workers: Record<string, lambda.IFunction> = {};
    const queues: Record<string, sqs.IQueue> = {};
    const settings = [];
    const timing = timingOf('inventoryTimeout', () => queueTiming(props.timeout.toSeconds(), WORK_RECEIVES));
    for (const source of props.sources) {
      const name = pascal(source.kind);
      const worker = new WatcherFunction(this, `${name}Worker`, {
        entry: workerEntryOf(source),
        description: `Lists ${source.kind} certificates scope by scope and puts expiry events on the watcher bus`,
        timeout: props.timeout,
        memorySizeMb: props.memorySizeMb,
        logRetention: props.logRetention,
        rolePath: WATCHER_ROLE_PATH,
        environment: baseEnv,
      });
      const setting = source.bind(this, worker, { regions: props.regions });
      settings.push(setting);
      worker.addEnvironment(SOURCES_ENV, stack.toJsonString([setting]));
      props.stateTable.grantLifecycle(worker);
      props.bus.grantPutEventsTo(worker);
      if (crossAccount) this.grantMemberAccess(worker, props.memberRoleName, props.accounts);
      // Visibility 6 × the worker's timeout, 3 receives, then the watcher's DLQ (lambda/contracts/timing.ts).
      const queue = workQueue(this, `${name}Queue`, timing, props.deadLetterQueue);
      worker.addEventSource(
        new lambdaEventSources.SqsEventSource(queue, {
          batchSize: 1,
          maxConcurrency: props.scanConcurrency,
          reportBatchItemFailures: true,
        }),
      );
      workers[source.kind] = worker;
      queues[source.kind] = queue;
      queueAgeAlarm(this, `${name}QueueAgeAlarm`, queue, props.scanInterval, {
        opsTopic: props.opsTopic,
        description: `A ${source.kind} scan unit has waited longer than the ${props.scanInterval.toHumanString()} scan interval: the worker is not running or not keeping up (concurrency, throttling). See docs/operations.md.`,
      });
    }
    this.workers = workers;
    this.queues = queues;

    const planner = new WatcherFunction(this, 'Planner', {
      entry: 'lambda/handlers/plan-scan.ts',
      description: `Plans each scan period: one unit per account, region and source (${props.sources.map((s) => s.kind).join(', ')})`,
      timeout: Duration.minutes(5),
      memorySizeMb: 256,
      logRetention: props.logRetention,
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: 2,
      rolePath: WATCHER_ROLE_PATH,
      environment: {
        ...baseEnv,
        [SOURCES_ENV]: stack.toJsonString(settings),
        [SCAN_QUEUES_ENV]: stack.toJsonString(
          Object.fromEntries(Object.entries(queues).map(([k, q]) => [k, q.queueUrl])),
        ),
      },
    });
    for (const queue of Object.values(queues)) queue.grantSendMessages(planner);
    props.stateTable.grantLifecycle(planner);
    props.bus.grantPutEventsTo(planner);
    if (props.accounts.mode === 'organization') this.grantOrganizationRead(planner);
    this.planner = planner;

    this.errorsAlarm = functionErrorsAlarm(
      this,
      'ErrorsAlarm',
      {
        planner,
        ...Object.fromEntries(Object.entries(workers).map(([k, w]) => [k.replace(/[^a-zA-Z0-9]/g, ''), w])),
      },
      {
        opsTopic: props.opsTopic,
        description:
          'The scan planner or a scan worker failed (the planner retries twice; a unit is retried 3 times, then dead-lettered and reported NOT_COMPLETED).',
      },
    );
    this.scopesFailedAlarm = failureMetricAlarm(this, 'ScopesFailed', props.watcherId, props.opsTopic);
  }

  /**
   * STS AssumeRole on the member role, and the opt-in status of regions. With a list of accounts
   * the role is granted in exactly those accounts; for an organization, whose accounts join at any
   * time, in any account (the member role trusts only this role path in this account).
   */
  private grantMemberAccess(worker: lambda.IFunction, roleName: string, accounts: AccountsSetting): void {
    const listed = accounts.mode === 'list' ? accounts.accounts.map((a) => a.id) : undefined;
    worker.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'AssumeMemberRole',
        actions: ['sts:AssumeRole'],
        resources: (listed ?? ['*']).map(
          (account) => `arn:${Aws.PARTITION}:iam::${account}:role/${roleName}`,
        ),
      }),
    );
    worker.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadOwnRegionOptStatus',
        actions: ['account:ListRegions'],
        resources: ['*'],
      }),
    );
    if (!worker.role) return;
    Validations.of(worker.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'account:ListRegions supports no resource-level permissions; read-only opt-in status of regions.',
    });
    if (!listed)
      Validations.of(worker.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${roleName}]`,
        reason:
          'The member role has one fixed name in every account of the organization; the account part is a wildcard because accounts join at any time. The member role trusts only this role path in this account, within the organization.',
      });
  }

  /** Read the organization's tree: its root, OUs and their accounts. */
  private grantOrganizationRead(planner: lambda.IFunction): void {
    planner.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadOrganizationTree',
        actions: [
          'organizations:ListRoots',
          'organizations:ListOrganizationalUnitsForParent',
          'organizations:ListAccountsForParent',
        ],
        resources: ['*'],
      }),
    );
    if (planner.role)
      Validations.of(planner.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Read-only walk of the organization tree from its root (ListRoots has no resource-level permissions; the OUs and accounts listed are not known at deploy time and change whenever the organization does).',
      });
  }
}

/** The organization props checked, with their defaults. */
export const resolveOrganizationScan = (props: OrganizationScanProps) => {
  let accounts: AccountsSetting;
  try {
    accounts = checkAccountsSetting(props.accounts ?? SELF_ACCOUNTS, 'accounts');
  } catch (error) {
    throw new InvalidWatcherConfigError((error as Error).message);
  }
  const memberRoleName = props.memberRoleName ?? DEFAULT_MEMBER_ROLE_NAME;
  if (!ROLE_NAME_PATTERN.test(memberRoleName))
    throw new InvalidWatcherConfigError(
      `memberRoleName must be an IAM role name (1-64 of \\w+=,.@-), got '${memberRoleName}'`,
    );
  const coverageGapPeriods = props.coverageGapPeriods ?? 3;
  if (!Number.isInteger(coverageGapPeriods) || coverageGapPeriods < 1 || coverageGapPeriods > 100)
    throw new InvalidWatcherConfigError(
      `coverageGapPeriods must be an integer from 1 to 100, got ${coverageGapPeriods}`,
    );
  return {
    accounts,
    memberRoleName,
    coverageGapPeriods,
    scanConcurrency: validateScanConcurrency(props.scanConcurrency ?? 4),
  };
};

/** Checks the per-source concurrency (the SQS event source's maximum concurrency: 2-1000). */
export const validateScanConcurrency = (value: number): number => {
  if (!Number.isInteger(value) || value < 2 || value > 1000)
    throw new InvalidWatcherConfigError(`scanConcurrency must be an integer from 2 to 1000, got ${value}`);
  return value;
};
