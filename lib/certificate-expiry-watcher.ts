import { Aws, type Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import {
  CRITICAL_DAYS_ENV,
  EVENT_BUS_NAME_ENV,
  EVENT_SOURCE_ENV,
  METRICS_NAMESPACE_ENV,
  STATE_TABLE_NAME_ENV,
  TIERS_DAYS_ENV,
  WATCHER_ID_ENV,
} from '../lambda/contracts/env-names';
import { ACCOUNT_ENV, SOURCE_KIND_PATTERN } from '../lambda/contracts/sources';
import { AlarmReminder, validateReminderInterval } from './alarm-reminder';
import {
  type CertificateExpiryWatcherProps,
  DEFAULT_ARCHIVE_RETENTION,
  DEFAULT_CRITICAL_DAYS,
  DEFAULT_EVENT_SOURCE,
  DEFAULT_INVENTORY_MEMORY_MB,
  DEFAULT_INVENTORY_TIMEOUT,
  DEFAULT_REMINDER_INTERVAL,
  DEFAULT_SCAN_INTERVAL,
  DEFAULT_TIERS_DAYS,
  heartbeatPeriod,
  InvalidWatcherConfigError,
  METRICS_NAMESPACE,
  validateArchiveRetention,
  validateEmailAddresses,
  validateEventSource,
  validateMemorySizeMb,
  validateRegions,
  validateScanInterval,
  validateTiers,
  validateTimeout,
} from './config';
import { type WatcherDashboard, watcherDashboard } from './dashboard';
import { EndpointProbes } from './endpoint-probes';
import { AlertFanout, validateAlertFanoutSettings } from './fanout';
import { checkOpsSubscribers, deadLetterAlarm, failureMetricAlarm, notifyOps } from './ops-alarms';
import { deadLetterQueue as newDeadLetterQueue } from './queues';
import { resolveReportSettings, type ScheduledReport, scheduledReport } from './report';
import { resolveOrganizationScan, ScanFanout } from './scan-fanout';
import { AcmSource } from './sources/acm';
import { withDiscovery } from './sources/discovery';
import type { IWatcherSource } from './sources/source';
import { lifecycleEnvironment, StateTable } from './state-table';
import { publishWatcherConfig } from './watcher-config';

/** Metrics the inventory handler emits (Embedded Metric Format), dimension `Watcher`. */
export type WatcherMetricName =
  | 'ScanSucceeded'
  | 'ScopesFailed'
  | 'CertificatesExpiring'
  | 'CertificatesExpired'
  | 'ScopesInCoverageGap';

// Counters add up over a period; the certificate counts are per-scan snapshots, so the
// latest scan's value is what matters and Maximum never double counts two scans.
const DEFAULT_STATISTIC: Record<WatcherMetricName, string> = {
  ScanSucceeded: 'Sum',
  ScopesFailed: 'Sum',
  CertificatesExpiring: 'Maximum',
  CertificatesExpired: 'Maximum',
  ScopesInCoverageGap: 'Maximum',
};

/**
 * Watches certificate stores (ACM by default; `sources`) and TLS endpoints, and puts expiry events
 * on its own EventBridge bus; watches itself with alarms on an ops SNS topic. See docs/configuration.md.
 */
export class CertificateExpiryWatcher extends Construct {
  /** The watcher's custom bus; every event it emits has `source` = {@link eventSource}. */
  readonly bus: events.EventBus;
  /** Archive of the watcher's events on {@link bus}, for replay. */
  readonly archive: events.Archive;
  /** Receives the watcher's health alarms (docs/operations.md). */
  readonly opsTopic: sns.ITopic;
  /** Repeats the notification of each watcher alarm still in ALARM (`opsAlarms.reminderInterval`). */
  readonly alarmReminder: AlarmReminder;
  /** The scan fan-out: the planner, and a queue and worker per source kind (docs/organizations.md). */
  readonly scan: ScanFanout;
  /** The scheduled scan planner (`scan.planner`); the scopes are listed by `scan.workers`. */
  readonly inventoryFunction: lambda.IFunction;
  /** Asynchronous scan invocations that failed every retry (from Lambda or the schedule target). */
  readonly deadLetterQueue: sqs.IQueue;
  readonly scheduleRule: events.Rule;
  /** ALARM when no scan period completed without a failed scope within 1.5 × the scan interval. */
  readonly heartbeatAlarm: cloudwatch.Alarm;
  /** ALARM when the planner or a scan worker failed. */
  readonly inventoryErrorsAlarm: cloudwatch.Alarm;
  /** ALARM while a scope has not been scanned successfully for `coverageGapPeriods` periods. */
  readonly coverageGapAlarm: cloudwatch.Alarm;
  readonly deadLetterAlarm: cloudwatch.Alarm;
  /** ALARM when an event could not be put on the bus at all (too big, refused): docs/operations.md. */
  readonly undeliverableAlarm: cloudwatch.Alarm;
  /** Value of the `Watcher` dimension on the watcher's metrics: `<stack name>/<construct path in the stack>`. */
  readonly watcherId: string;
  readonly eventSource: string;
  readonly scanInterval: Duration;
  /** The lifecycle state table (docs/lifecycle.md); `cert-watch ack/unack/status` use it. */
  readonly stateTable: dynamodb.ITable;
  /** The TLS endpoint probes, when `endpoints` lists any or `discovery` is on. */
  readonly endpointProbes?: EndpointProbes;
  /** Routes alerts to the chat, SMS and tickets topics (docs/chat.md). */
  readonly alertFanout: AlertFanout;
  /** Chat messages: Chatbot custom notifications (`default`), the raw event for SQS subscribers. */
  readonly chatTopic: sns.ITopic;
  /** SMS text, one segment. */
  readonly smsTopic: sns.ITopic;
  /** The raw event, for ticket connectors. */
  readonly ticketsTopic: sns.ITopic;
  /** `/cert-expiry-watcher/<stack>/<path>/config`: where the CLI finds the state table, bus and topics. */
  readonly configParameter: ssm.IStringParameter;
  /** The scheduled report and weekly digest (`report`), unless turned off. */
  readonly report?: ScheduledReport;
  /** The CloudWatch dashboard (`dashboard`), unless turned off. */
  readonly dashboard?: WatcherDashboard;

  constructor(scope: Construct, id: string, props: CertificateExpiryWatcherProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);

    // Resolve and validate every prop before creating anything (bundling runs at construction).
    const regions = validateRegions(props.regions ?? [stack.region]);
    this.scanInterval = props.scanInterval ?? DEFAULT_SCAN_INTERVAL;
    validateScanInterval(this.scanInterval);
    const tiersDays = props.tiersDays ?? DEFAULT_TIERS_DAYS;
    const criticalDays = props.criticalDays ?? DEFAULT_CRITICAL_DAYS;
    validateTiers(tiersDays, criticalDays);
    this.eventSource = validateEventSource(props.eventSource ?? DEFAULT_EVENT_SOURCE);
    const archiveRetention = validateArchiveRetention(props.archiveRetention ?? DEFAULT_ARCHIVE_RETENTION);
    const opsEmailAddresses = validateEmailAddresses(props.opsEmailAddresses ?? []);
    const timeout = validateTimeout(props.inventoryTimeout ?? DEFAULT_INVENTORY_TIMEOUT);
    const memorySizeMb = validateMemorySizeMb(props.inventoryMemorySizeMb ?? DEFAULT_INVENTORY_MEMORY_MB);
    this.watcherId = `${stack.stackName}/${this.node.path.slice(stack.node.path.length + 1)}`;
    const lifecycleEnv = lifecycleEnvironment(props.lifecycle ?? {}, { tiersDays, criticalDays });
    validateAlertFanoutSettings(props);
    const sources = validateSources(withDiscovery(props.sources ?? [new AcmSource()], props.discovery));
    const discovering = sources.find((s) => s.kind === 'discovery'); // by the prop or among the sources
    const organization = resolveOrganizationScan(props);
    const opsAlarms = props.opsAlarms ?? {};
    const report = resolveReportSettings(props.report);
    const reminderInterval = validateReminderInterval(
      opsAlarms.reminderInterval ?? DEFAULT_REMINDER_INTERVAL,
    );

    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: props.eventBusName,
      description: 'Certificate expiry events from the cert-expiry-watcher',
    });
    this.archive = this.bus.archive('Archive', {
      description: `Events with source ${this.eventSource}, for replay`,
      eventPattern: { source: [this.eventSource] },
      retention: archiveRetention,
    });

    this.opsTopic = props.opsTopic ?? this.createOpsTopic();
    opsEmailAddresses.forEach((address) => {
      this.opsTopic.addSubscription(new subscriptions.EmailSubscription(address));
    });

    const state = new StateTable(this, 'State');
    this.stateTable = state.table;

    const deadLetterQueue = newDeadLetterQueue(this, 'DeadLetterQueue');
    this.deadLetterQueue = deadLetterQueue;

    const scan = new ScanFanout(this, 'Scan', {
      sources,
      regions,
      ...organization,
      timeout,
      memorySizeMb,
      logRetention: props.logRetention,
      environment: {
        [EVENT_BUS_NAME_ENV]: this.bus.eventBusName,
        [EVENT_SOURCE_ENV]: this.eventSource,
        [ACCOUNT_ENV]: Aws.ACCOUNT_ID,
        [TIERS_DAYS_ENV]: tiersDays.join(','),
        [CRITICAL_DAYS_ENV]: String(criticalDays),
        [METRICS_NAMESPACE_ENV]: METRICS_NAMESPACE,
        [WATCHER_ID_ENV]: this.watcherId,
        [STATE_TABLE_NAME_ENV]: this.stateTable.tableName,
        ...lifecycleEnv,
      },
      bus: this.bus,
      stateTable: state,
      deadLetterQueue,
      opsTopic: this.opsTopic,
      scanInterval: this.scanInterval,
      watcherId: this.watcherId,
    });
    this.scan = scan;
    this.inventoryFunction = scan.planner;

    this.scheduleRule = new events.Rule(this, 'Schedule', {
      description: `Plans a certificate scan period every ${this.scanInterval.toHumanString()}`,
      schedule: events.Schedule.rate(this.scanInterval),
      targets: [new targets.LambdaFunction(scan.planner, { retryAttempts: 2, deadLetterQueue })],
    });

    const period = heartbeatPeriod(this.scanInterval);
    this.heartbeatAlarm = this.metricScanSucceeded({ period }).createAlarm(this, 'HeartbeatAlarm', {
      alarmDescription:
        `No certificate scan succeeded in ${period.toHumanString()} (1.5 x the ${this.scanInterval.toHumanString()} ` +
        'schedule): certificates are not being watched. Check the inventory function logs and the dead-letter queue.',
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.inventoryErrorsAlarm = scan.errorsAlarm;
    this.deadLetterAlarm = deadLetterAlarm(this, 'DeadLetterAlarm', deadLetterQueue, {
      opsTopic: this.opsTopic,
      description:
        'A scan, endpoint dispatch or alert fan-out failed every retry and was dead-lettered; inspect the messages, fix the cause, then redrive or purge the queue.',
    });
    this.coverageGapAlarm = this.metric('ScopesInCoverageGap', { period }).createAlarm(
      this,
      'CoverageGapAlarm',
      {
        alarmDescription:
          `A scope (a source in an account and region) has not been scanned successfully for ${organization.coverageGapPeriods} ` +
          'periods: its certificates are not being watched. The Coverage Gap event and `cert-watch coverage` name it and the reason.',
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    );
    notifyOps(this.opsTopic, this.heartbeatAlarm, this.coverageGapAlarm);
    // Any function that publishes (scan workers, prober) counts the events the bus can never take.
    this.undeliverableAlarm = failureMetricAlarm(this, 'EventsUndeliverable', this.watcherId, this.opsTopic);

    if ((props.endpoints && props.endpoints.length > 0) || discovering) {
      this.endpointProbes = new EndpointProbes(this, 'EndpointProbes', {
        ...props.endpointProbes,
        endpoints: props.endpoints ?? [],
        discovery: discovering !== undefined,
        bus: this.bus,
        eventSource: this.eventSource,
        tiersDays,
        criticalDays,
        scanInterval: this.scanInterval,
        watcherId: this.watcherId,
        opsTopic: this.opsTopic,
        deadLetterQueue,
        logRetention: props.logRetention,
        stateTable: state,
        lifecycleEnvironment: lifecycleEnv,
      });
      // The discovery worker sends what it finds to the probe queue (docs/discovery.md).
      const worker = discovering && scan.workers[discovering.kind];
      if (worker) this.endpointProbes.acceptDiscoveredFrom(worker);
    }

    this.alertFanout = new AlertFanout(this, 'Alerts', {
      chatTopic: props.chatTopic,
      smsTopic: props.smsTopic,
      ticketsTopic: props.ticketsTopic,
      routing: props.routing,
      smsPhoneNumbers: props.smsPhoneNumbers,
      webhookDestinations: props.webhookDestinations,
      ticketConnectors: props.ticketConnectors,
      stateTable: state,
      slackChannels: props.slackChannels,
      teamsChannels: props.teamsChannels,
      channels: props.channels,
      owners: props.owners,
      defaultOwner: props.defaultOwner,
      bus: this.bus,
      eventSource: this.eventSource,
      deadLetterQueue,
      opsTopic: this.opsTopic,
      watcherId: this.watcherId,
      logRetention: props.logRetention,
      opsToChatChannels: opsAlarms.toChatChannels,
    });
    this.chatTopic = this.alertFanout.chatTopic;
    this.smsTopic = this.alertFanout.smsTopic;
    this.ticketsTopic = this.alertFanout.ticketsTopic;
    this.report = scheduledReport(this, report, props.logRetention, {
      [TIERS_DAYS_ENV]: tiersDays.join(','),
      [CRITICAL_DAYS_ENV]: String(criticalDays),
      ...lifecycleEnv,
    });
    // Stack outputs and the SSM parameter cert-watch finds the state table by (lib/watcher-config.ts).
    this.configParameter = publishWatcherConfig(this, this);
    this.dashboard = watcherDashboard(this, props.dashboard, sources);

    this.alarmReminder = new AlarmReminder(this, 'AlarmReminder', {
      alarms: this.node.findAll().filter((c): c is cloudwatch.Alarm => c instanceof cloudwatch.Alarm),
      opsTopic: this.opsTopic,
      interval: reminderInterval,
      deadLetterQueue,
    });
    // At synth, so subscriptions added to `opsTopic` after construction count.
    const ownTopic = props.opsTopic === undefined;
    this.node.addValidation({
      validate: () => (ownTopic ? checkOpsSubscribers(this, opsAlarms.acknowledgeNoSubscriber === true) : []),
    });
  }

  /** A metric the inventory handler emits for this watcher. */
  metric(metricName: WatcherMetricName, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { Watcher: this.watcherId },
      statistic: DEFAULT_STATISTIC[metricName],
      ...props,
    });
  }

  /** 1 per scan that listed every region. @default statistic Sum */
  metricScanSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ScanSucceeded', props);
  }

  /** Scopes (a source in a region or account) a scan could not list completely. @default statistic Sum */
  metricScopesFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ScopesFailed', props);
  }

  /** Certificates inside the warning window at the last scan. @default statistic Maximum */
  metricCertificatesExpiring(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('CertificatesExpiring', props);
  }

  /** Scopes in a coverage gap at the last period's end. @default statistic Maximum */
  metricScopesInCoverageGap(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ScopesInCoverageGap', props);
  }

  /** Expired certificates at the last scan. @default statistic Maximum */
  metricCertificatesExpired(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('CertificatesExpired', props);
  }

  private createOpsTopic(): sns.Topic {
    const key = new kms.Key(this, 'OpsTopicKey', {
      description: 'Encrypts the cert-expiry-watcher ops topic',
      enableKeyRotation: true,
    });
    // CloudWatch calls KMS itself when an alarm publishes to an encrypted topic; without this
    // statement alarm notifications are dropped (visible only in the alarm history). Only alarms of
    // this account and region may use it: the confused-deputy conditions the CloudWatch and SNS
    // docs give for a service principal.
    const fromOwnAlarms = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
    };
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToUseTheKey',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        // The actions exactly as the SNS guide's key policy for CloudWatch alarms gives them: a
        // notification lost to a missing permission shows only in the alarm history.
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromOwnAlarms,
      }),
    );
    const topic = new sns.Topic(this, 'OpsTopic', {
      displayName: 'Certificate expiry watcher - ops',
      masterKey: key,
      enforceSSL: true,
    });
    // A topic policy replaces SNS's default one, so alarms in this account must be allowed explicitly.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: fromOwnAlarms,
      }),
    );
    return topic;
  }
}

/** Each source kind once, with a kind the runtime accepts. */
const validateSources = (sources: readonly IWatcherSource[]): readonly IWatcherSource[] => {
  if (sources.length === 0)
    throw new InvalidWatcherConfigError('sources must not be empty; omit it to watch ACM');
  const seen = new Set<string>();
  sources.forEach((s, i) => {
    if (!SOURCE_KIND_PATTERN.test(s.kind))
      throw new InvalidWatcherConfigError(
        `sources[${i}].kind must match ${SOURCE_KIND_PATTERN.source}, got '${s.kind}'`,
      );
    if (seen.has(s.kind)) throw new InvalidWatcherConfigError(`sources lists '${s.kind}' twice`);
    seen.add(s.kind);
  });
  return sources;
};
