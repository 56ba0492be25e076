import { Duration, FeatureFlags, Stack, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { topicArnEnv } from '../lambda/contracts/channels';
import {
  EVENT_SOURCE_ENV,
  METRICS_NAMESPACE_ENV,
  STATE_TABLE_NAME_ENV,
  WATCHER_ID_ENV,
} from '../lambda/contracts/env-names';
import { ConfigurationError } from '../lambda/contracts/errors';
import {
  type DigestSettings,
  latestReportKey,
  REPORT_BUCKET_ENV,
  REPORT_DIGEST_ENV,
  REPORT_FILES,
  REPORT_PREFIXES,
  type ReportFormat,
  type ResolvedDigestSettings,
  validateDigestSettings,
} from '../lambda/contracts/report';
import { STATE_TABLE_SCHEMA } from '../lambda/contracts/state-table';
import { functionErrorsAlarm } from './ops-alarms';
import { InvalidWatcherConfigError, METRICS_NAMESPACE } from './validation';
import { WatcherFunction } from './watcher-function';

export type { DigestSection, DigestSettings } from '../lambda/contracts/report';

/** The scheduled estate report and weekly digest (docs/reports.md, "Scheduled report and digest"). */
export interface ScheduledReportSettings {
  /**
   * Create the report bucket, function and schedule.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * When the report is written and the digest posted.
   * @default events.Schedule.cron({ weekDay: 'MON', hour: '8', minute: '0' }) - Mondays 08:00 UTC
   */
  readonly schedule?: events.Schedule;
  /**
   * Days a dated report (`reports/<date>/`) is kept; replaced `latest/` files and other noncurrent
   * versions are kept {@link NONCURRENT_REPORT_DAYS} days. Whole days, 1-3650.
   * @default 400 - a year of weekly reports and the one before it to compare with
   */
  readonly retentionDays?: number;
  /**
   * What the digest shows, or `enabled: false` for reports without a digest.
   * @default - every section, the 10 soonest, posted to the chat channels
   */
  readonly digest?: DigestSettings;
}

export const DEFAULT_REPORT_SCHEDULE = events.Schedule.cron({ weekDay: 'MON', hour: '8', minute: '0' });
export const DEFAULT_REPORT_RETENTION_DAYS = 400;
/** Replaced `latest/` files and overwritten reports stay recoverable this long. */
export const NONCURRENT_REPORT_DAYS = 30;
/** S3 server access logs of the report bucket are kept this long. */
export const ACCESS_LOG_DAYS = 90;

export interface ResolvedReportSettings {
  readonly schedule: events.Schedule;
  readonly retentionDays: number;
  readonly digest: ResolvedDigestSettings;
}

/** The settings with their defaults, or undefined when the report is off; throws naming the bad value. */
export const resolveReportSettings = (
  settings: ScheduledReportSettings = {},
): ResolvedReportSettings | undefined => {
  if (settings.enabled === false) return undefined;
  const retentionDays = settings.retentionDays ?? DEFAULT_REPORT_RETENTION_DAYS;
  if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 3650)
    throw new InvalidWatcherConfigError(
      `report.retentionDays must be a whole number of days from 1 to 3650, got ${retentionDays}`,
    );
  let digest: ResolvedDigestSettings;
  try {
    digest = validateDigestSettings(settings.digest ?? {}, 'report.digest');
  } catch (error) {
    if (error instanceof ConfigurationError)
      throw new InvalidWatcherConfigError(error.message, { cause: error });
    throw error;
  }
  return { schedule: settings.schedule ?? DEFAULT_REPORT_SCHEDULE, retentionDays, digest };
};

/** What the report needs from its watcher (CertificateExpiryWatcher has each of these). */
export interface ReportWatcher extends Construct {
  /** Scanned whole for the report (certificate and coverage items). */
  readonly stateTable: dynamodb.ITable;
  /** The digest is published here (Chatbot channels and the webhook notifier subscribe to it). */
  readonly chatTopic: sns.ITopic;
  readonly eventSource: string;
  readonly watcherId: string;
  readonly opsTopic: sns.ITopic;
  /** Receives report runs that failed every retry. */
  readonly deadLetterQueue: sqs.IQueue;
}

export interface ScheduledReportProps {
  readonly watcher: ReportWatcher;
  readonly settings: ResolvedReportSettings;
  readonly logRetention?: logs.RetentionDays;
  /**
   * The watcher's tiers and lifecycle settings as environment variables (TIERS_DAYS, CRITICAL_DAYS,
   * lifecycleEnvironment), so the report grades every certificate as the alerts do.
   * @default the default tiers and lifecycle
   */
  readonly gradingEnvironment?: Readonly<Record<string, string>>;
}

/** The watcher's scheduled report (construct id `Report`), or none when `settings` is undefined (turned off). */
export const scheduledReport = (
  watcher: ReportWatcher,
  settings: ResolvedReportSettings | undefined,
  logRetention?: logs.RetentionDays,
  gradingEnvironment?: Readonly<Record<string, string>>,
): ScheduledReport | undefined =>
  settings && new ScheduledReport(watcher, 'Report', { watcher, settings, logRetention, gradingEnvironment });

/**
 * The scheduled report: an S3 bucket (SSE-S3, TLS only, versioned, lifecycle expiry, no public
 * access, server access logs to a second bucket), a function that reads the state table and writes
 * `reports/<date>/report.{html,csv,json}` and `latest/…`, then posts the weekly digest on the chat
 * topic, and the schedule that invokes it. The function may write only under `reports/` and the
 * three `latest/` keys, read only `latest/report.json`, and only read the state table.
 */
export class ScheduledReport extends Construct {
  readonly bucket: s3.Bucket;
  /** Where S3 writes the report bucket's server access logs. */
  readonly accessLogsBucket: s3.Bucket;
  readonly function: WatcherFunction;
  readonly rule: events.Rule;
  /** ALARM when a report run failed (retried twice, then dead-lettered to the watcher DLQ). */
  readonly errorsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ScheduledReportProps) {
    super(scope, id);
    const { settings, watcher } = props;
    // SSE-S3: the reports hold names and dates, no key material or secret; S3 server access logging
    // cannot deliver to an SSE-KMS bucket, and readers in the console need no key policy.
    const common: s3.BucketProps = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    };
    // S3 delivers the logs under a bucket policy (no ACLs) with the feature flag
    // @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy; an app without it needs the log-delivery ACL.
    const logsByPolicy = FeatureFlags.of(this).isEnabled(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY);
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      ...common,
      ...(logsByPolicy ? {} : { objectOwnership: s3.ObjectOwnership.OBJECT_WRITER }),
      lifecycleRules: [{ expiration: Duration.days(ACCESS_LOG_DAYS) }],
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket receives the report bucket server access logs; logging it too would need a third bucket, and S3 must not log a bucket to itself.',
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...common,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'reports-bucket/',
      lifecycleRules: [
        {
          id: 'ExpireDatedReports',
          prefix: REPORT_PREFIXES.dated,
          expiration: Duration.days(settings.retentionDays),
        },
        {
          id: 'ExpireNoncurrentVersions',
          noncurrentVersionExpiration: Duration.days(NONCURRENT_REPORT_DAYS),
          expiredObjectDeleteMarker: true,
        },
      ],
    });

    const digest = settings.digest;
    this.function = new WatcherFunction(this, 'Function', {
      entry: 'lambda/handlers/report.ts',
      description: 'Writes the estate report to S3 and posts the weekly certificate digest',
      logRetention: props.logRetention,
      deadLetterQueue: watcher.deadLetterQueue,
      retryAttempts: 2,
      // 10,000 certificates: one table Scan, three renderings, six PutObject calls.
      timeout: Duration.minutes(5),
      memorySizeMb: 1024,
      environment: {
        [REPORT_BUCKET_ENV]: this.bucket.bucketName,
        [REPORT_DIGEST_ENV]: JSON.stringify(digest),
        [STATE_TABLE_NAME_ENV]: watcher.stateTable.tableName,
        [EVENT_SOURCE_ENV]: watcher.eventSource,
        [WATCHER_ID_ENV]: watcher.watcherId,
        [METRICS_NAMESPACE_ENV]: METRICS_NAMESPACE,
        ...props.gradingEnvironment,
        ...(digest.enabled ? { [topicArnEnv('chat')]: watcher.chatTopic.topicArn } : {}),
      },
    });
    this.grantReportAccess(watcher, digest.enabled);

    this.rule = new events.Rule(this, 'Schedule', {
      description: 'Writes the certificate estate report and posts the digest',
      schedule: settings.schedule,
      targets: [
        new targets.LambdaFunction(this.function, {
          retryAttempts: 2,
          deadLetterQueue: watcher.deadLetterQueue,
        }),
      ],
    });
    this.errorsAlarm = functionErrorsAlarm(
      this,
      'ErrorsAlarm',
      { report: this.function },
      {
        opsTopic: watcher.opsTopic,
        description:
          'The scheduled certificate report failed: no report was written or the digest was not posted (retried twice, then dead-lettered to the watcher DLQ). See docs/reports.md.',
      },
    );
  }

  private grantReportAccess(watcher: ReportWatcher, digest: boolean): void {
    const fn = this.function;
    const arn = this.bucket.bucketArn;
    // Read only: every tracked location (a Scan, as `cert-watch status`), the latest period (a
    // GetItem) and its coverage items (a Query on the scope index, then BatchGetItem), as
    // lambda/reports/read-estate.ts reads them through lambda/sinks/state.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadStateTable',
        actions: ['dynamodb:Scan', 'dynamodb:GetItem', 'dynamodb:BatchGetItem'],
        resources: [watcher.stateTable.tableArn],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'QueryCoverageIndex',
        actions: ['dynamodb:Query'],
        resources: [`${watcher.stateTable.tableArn}/index/${STATE_TABLE_SCHEMA.scopeIndex.indexName}`],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'WriteReports',
        actions: ['s3:PutObject'],
        resources: [
          `${arn}/${REPORT_PREFIXES.dated}*`,
          ...(Object.keys(REPORT_FILES) as ReportFormat[]).map((f) => `${arn}/${latestReportKey(f)}`),
        ],
      }),
    );
    const previous = latestReportKey('json');
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadPreviousReport',
        actions: ['s3:GetObject'],
        resources: [`${arn}/${previous}`],
      }),
    );
    // Listing that one key makes S3 answer NoSuchKey instead of AccessDenied before the first report.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ListPreviousReport',
        actions: ['s3:ListBucket'],
        resources: [arn],
        conditions: { StringEquals: { 's3:prefix': previous } },
      }),
    );
    if (digest)
      sns.TopicGrants.fromTopic(watcher.chatTopic).actions(fn, ['sns:Publish'], {
        keyActions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      });
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket);
    if (fn.role)
      Validations.of(fn.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${REPORT_PREFIXES.dated}*]`,
        reason:
          'Each run writes a new dated folder (reports/<YYYY-MM-DD>/), so the key is not known at deploy time; PutObject only, under this prefix of the report bucket.',
      });
  }
}
