import { Aws, type Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
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
import { ACCOUNT_ENV } from '../lambda/contracts/sources';
import { AlarmReminder } from './alarm-reminder';
import { type CertificateExpiryWatcherProps, METRICS_NAMESPACE } from './config';
import { type WatcherDashboard, watcherDashboard } from './dashboard';
import { EndpointProbes } from './endpoint-probes';
import { AlertFanout } from './fanout';
import { checkOpsSubscribers } from './ops-alarms';
import { createOpsTopic } from './ops-topic';
import { deadLetterQueue as newDeadLetterQueue } from './queues';
import { type ScheduledReport, scheduledReport } from './report';
import { ScanFanout } from './scan-fanout';
import { StateTable } from './state-table';
import { watcherAlarms } from './watcher-alarms';
import { publishWatcherConfig } from './watcher-config';
import { resolveWatcherSettings } from './watcher-settings';

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
    const settings = resolveWatcherSettings(props, stack.region);
    const { regions, tiersDays, criticalDays, lifecycleEnv, sources, discovering, organization, opsAlarms } =
      settings;
    this.scanInterval = settings.scanInterval;
    this.eventSource = settings.eventSource;
    this.watcherId = `${stack.stackName}/${this.node.path.slice(stack.node.path.length + 1)}`;

    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: props.eventBusName,
      description: 'Certificate expiry events from the cert-expiry-watcher',
    });
    this.archive = this.bus.archive('Archive', {
      description: `Events with source ${this.eventSource}, for replay`,
      eventPattern: { source: [this.eventSource] },
      retention: settings.archiveRetention,
    });

    this.opsTopic = props.opsTopic ?? createOpsTopic(this);
    settings.opsEmailAddresses.forEach((address) => {
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
      timeout: settings.timeout,
      memorySizeMb: settings.memorySizeMb,
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

    const alarms = watcherAlarms(this, {
      deadLetterQueue,
      opsTopic: this.opsTopic,
      coverageGapPeriods: organization.coverageGapPeriods,
    });
    this.heartbeatAlarm = alarms.heartbeat;
    this.inventoryErrorsAlarm = scan.errorsAlarm;
    this.deadLetterAlarm = alarms.deadLetter;
    this.coverageGapAlarm = alarms.coverageGap;
    this.undeliverableAlarm = alarms.undeliverable;

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
    this.report = scheduledReport(this, settings.report, props.logRetention, {
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
      interval: settings.reminderInterval,
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
}
