import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { parseExpectation } from '../lambda/contracts/deployment-expectation';
import { DISCOVERED_NOTHING_TO_PROBE_METRIC } from '../lambda/contracts/discovery';
import {
  checkEndpointText,
  type EndpointTarget,
  isLinkLocalOrMetadata,
  isStarttlsProtocol,
  parseTargetSpec,
  STARTTLS_PROTOCOLS,
  TargetParseError,
  targetKey,
} from '../lambda/contracts/endpoints';
import {
  ALLOW_LINK_LOCAL_ENV,
  CA_FILE_ENV,
  CRITICAL_DAYS_ENV,
  DISCOVERED_TARGETS_ENV,
  EVENT_BUS_NAME_ENV,
  EVENT_SOURCE_ENV,
  FETCH_MISSING_ISSUERS_ENV,
  METRICS_NAMESPACE_ENV,
  NOT_DEPLOYED_GRACE_HOURS_ENV,
  PROBE_BATCH_SIZE_ENV,
  PROBE_CONCURRENCY_ENV,
  PROBE_DUAL_CERTIFICATES_ENV,
  PROBE_QUEUE_URL_ENV,
  PROBE_TIMEOUT_MS_ENV,
  PROBER_IN_VPC_ENV,
  STATE_TABLE_NAME_ENV,
  TIERS_DAYS_ENV,
  WATCHER_ID_ENV,
} from '../lambda/contracts/env-names';
import { queueTiming, WORK_RECEIVES } from '../lambda/contracts/timing';
import {
  type EndpointProbeSettings,
  heartbeatPeriod,
  InvalidWatcherConfigError,
  METRICS_NAMESPACE,
} from './config';
import {
  deadLetterAlarm,
  failureMetricAlarm,
  functionErrorsAlarm,
  notifyOps,
  queueAgeAlarm,
} from './ops-alarms';
import { deadLetterQueue, timingOf, workQueue } from './queues';
import type { StateTable } from './state-table';
import { WatcherFunction } from './watcher-function';

export interface EndpointProbesProps extends EndpointProbeSettings {
  readonly endpoints: readonly EndpointTarget[];
  readonly bus: events.IEventBus;
  readonly eventSource: string;
  readonly tiersDays: readonly number[];
  readonly criticalDays: number;
  readonly scanInterval: Duration;
  readonly watcherId: string;
  readonly opsTopic: sns.ITopic;
  /** Receives failed asynchronous dispatcher invocations. */
  readonly deadLetterQueue: sqs.IQueue;
  readonly logRetention?: logs.RetentionDays;
  /** The lifecycle state table the prober records endpoint certificates in. */
  readonly stateTable: StateTable;
  /** Lifecycle settings as environment variables (see lifecycleEnvironment). */
  readonly lifecycleEnvironment?: Readonly<Record<string, string>>;
  /**
   * Discovered endpoints are probed too (docs/discovery.md): the prober admits well-formed
   * discovered targets, and `endpoints` may be empty.
   * @default false
   */
  readonly discovery?: boolean;
}

export const DEFAULT_TARGETS_PER_BATCH = 25;
export const DEFAULT_MAX_CONCURRENCY = 10;
export const DEFAULT_PROBE_TIMEOUT = Duration.seconds(10);
export const DEFAULT_SOCKETS_PER_FUNCTION = 32;
/** Lambda's own limit. */
const MAX_FUNCTION_TIMEOUT_SECONDS = 900;

/**
 * Whether `host` is a host the runtime accepts: the parser `cert-watch check`, the CDK app's
 * context and the dispatcher use (lambda/contracts/endpoints.ts), so internationalised names
 * (`bücher.example`, converted to A-labels by UTS-46 at probe time) pass here too. A host is the
 * name or address alone: no port, no brackets.
 */
const isHost = (host: string): boolean => {
  try {
    return parseTargetSpec(host, { allowLinkLocal: true }).host === host;
  } catch (error) {
    if (error instanceof TargetParseError) return false;
    throw error;
  }
};

const integerIn = (name: string, value: number, min: number, max: number): number => {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidWatcherConfigError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
};

/** Checks every endpoint at synth, so a typo fails `cdk synth` instead of every scan. */
export const validateEndpoints = (
  endpoints: readonly EndpointTarget[],
  allowLinkLocal = false,
): EndpointTarget[] => {
  const seen = new Set<string>();
  return endpoints.map((t, i) => {
    const where = `endpoints[${i}]`;
    if (!allowLinkLocal && typeof t.host === 'string' && isLinkLocalOrMetadata(t.host)) {
      throw new InvalidWatcherConfigError(
        `${where}.host ${t.host} is a link-local address (where instance metadata services answer); set endpointProbes.allowLinkLocal to probe it`,
      );
    }
    if (typeof t.host !== 'string' || t.host.length > 253 || !isHost(t.host)) {
      throw new InvalidWatcherConfigError(`${where}.host is not a host name or IP address, got '${t.host}'`);
    }
    if (t.starttls !== undefined && t.starttls !== 'none' && !isStarttlsProtocol(t.starttls)) {
      throw new InvalidWatcherConfigError(
        `${where}.starttls must be 'none' or one of ${STARTTLS_PROTOCOLS.join(', ')}, got '${t.starttls}'`,
      );
    }
    const port = integerIn(`${where}.port`, t.port ?? 443, 1, 65535);
    try {
      checkEndpointText(where, t.labels, t.owner);
      if (t.expected !== undefined) parseExpectation(t.expected, where);
    } catch (error) {
      throw new InvalidWatcherConfigError((error as Error).message);
    }
    // One name in Unicode or A-labels is one endpoint (UTS-46, as the prober converts it).
    const key = targetKey({ ...t, port });
    if (seen.has(key)) throw new InvalidWatcherConfigError(`${where} repeats ${t.host}:${port}`);
    seen.add(key);
    return { ...t, port };
  });
};

/**
 * Worst-case time for one SQS message: the resolution deadline and `handshakes` probe deadlines
 * (2 with dual-certificate detection, 1 without) for each wave of `socketsPerFunction` endpoints
 * (each endpoint's addresses are probed in parallel), plus 30 s.
 */
export const proberTimeoutFor = (
  targetsPerBatch: number,
  socketsPerFunction: number,
  probeTimeout: Duration,
  handshakes = 2,
): Duration => {
  const waves = Math.ceil(targetsPerBatch / socketsPerFunction);
  return Duration.seconds(waves * (1 + handshakes) * probeTimeout.toSeconds() + 30);
};

/**
 * TLS endpoint probes: a schedule triggers a dispatcher that splits the endpoints into batches
 * on an SQS queue; a prober function consumes them with bounded concurrency and puts results on
 * the watcher's bus. Failed batches are retried by SQS, then dead-lettered and alarmed.
 */
export class EndpointProbes extends Construct {
  readonly queue: sqs.Queue;
  readonly queueDeadLetters: sqs.Queue;
  readonly dispatcherFunction: lambda.IFunction;
  readonly proberFunction: lambda.IFunction;
  readonly heartbeatAlarm: cloudwatch.Alarm;
  readonly proberErrorsAlarm: cloudwatch.Alarm;
  readonly deadLetterAlarm: cloudwatch.Alarm;
  /** ALARM when endpoints could not be probed (EndpointsFailed). */
  readonly endpointsFailedAlarm: cloudwatch.Alarm;
  /** ALARM when a batch waited longer than a scan interval. */
  readonly queueAgeAlarm: cloudwatch.Alarm;
  readonly endpointCount: number;
  private readonly inVpc: boolean;
  private readonly targetsPerBatch: number;
  private readonly stateTable: StateTable;

  constructor(scope: Construct, id: string, props: EndpointProbesProps) {
    super(scope, id);
    const endpoints = validateEndpoints(props.endpoints, props.allowLinkLocal);
    if (endpoints.length === 0 && !props.discovery)
      throw new InvalidWatcherConfigError('endpoints must list at least one endpoint');
    this.inVpc = props.vpc !== undefined;
    this.endpointCount = endpoints.length;
    const targetsPerBatch = integerIn(
      'targetsPerBatch',
      props.targetsPerBatch ?? DEFAULT_TARGETS_PER_BATCH,
      1,
      500,
    );
    this.targetsPerBatch = targetsPerBatch;
    this.stateTable = props.stateTable;
    const maxConcurrency = integerIn(
      'maxConcurrency',
      props.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
      2,
      1000,
    );
    const sockets = integerIn(
      'socketsPerFunction',
      props.socketsPerFunction ?? DEFAULT_SOCKETS_PER_FUNCTION,
      1,
      1024,
    );
    const probeTimeout = props.probeTimeout ?? DEFAULT_PROBE_TIMEOUT;
    integerIn('probeTimeout (seconds)', probeTimeout.toSeconds({ integral: false }), 1, 60);
    const dual = props.dualCertificates ?? true;
    const proberTimeout = proberTimeoutFor(targetsPerBatch, sockets, probeTimeout, dual ? 2 : 1);
    if (proberTimeout.toSeconds() > MAX_FUNCTION_TIMEOUT_SECONDS) {
      throw new InvalidWatcherConfigError(
        `a batch of ${targetsPerBatch} endpoints at ${sockets} sockets and a ${probeTimeout.toHumanString()} deadline ` +
          `may need ${proberTimeout.toHumanString()}, above Lambda's 15 minutes: lower targetsPerBatch or raise socketsPerFunction`,
      );
    }
    const graceHours = integerIn(
      'endpointProbes.notDeployedGrace (hours)',
      (props.notDeployedGrace ?? Duration.hours(24)).toHours({ integral: false }),
      0,
      90 * 24,
    );
    const memorySizeMb = integerIn('endpointProbes.memorySizeMb', props.memorySizeMb ?? 512, 128, 10240);
    const network = { vpc: props.vpc, vpcSubnets: props.vpcSubnets, securityGroups: props.securityGroups };

    this.queueDeadLetters = deadLetterQueue(this, 'ProbeDeadLetterQueue');
    // Visibility 6 × the prober's timeout, 3 receives, then the DLQ; kept well past the receive
    // window, so no batch expires unseen: one the prober cannot reach in time shows in the queue's
    // age alarm instead (lambda/contracts/timing.ts).
    const timing = timingOf('endpointProbes', () => queueTiming(proberTimeout.toSeconds(), WORK_RECEIVES));
    this.queue = workQueue(this, 'ProbeQueue', timing, this.queueDeadLetters);

    const dispatcher = new WatcherFunction(this, 'Dispatcher', {
      entry: 'lambda/handlers/dispatch-endpoints.ts',
      description: `Queues ${endpoints.length} TLS endpoints in batches of ${targetsPerBatch} for probing`,
      timeout: Duration.minutes(1),
      logRetention: props.logRetention,
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: 2,
      extraFiles: { 'endpoints.json': JSON.stringify(endpoints) },
      environment: {
        [PROBE_QUEUE_URL_ENV]: this.queue.queueUrl,
        [PROBE_BATCH_SIZE_ENV]: String(targetsPerBatch),
        [METRICS_NAMESPACE_ENV]: METRICS_NAMESPACE,
        [WATCHER_ID_ENV]: props.watcherId,
        // Endpoints removed from the configuration are retired through the prober's lifecycle.
        [STATE_TABLE_NAME_ENV]: props.stateTable.table.tableName,
      },
      ...network,
    });
    this.queue.grantSendMessages(dispatcher);
    props.stateTable.grantScopeListing(dispatcher);
    this.dispatcherFunction = dispatcher;

    const prober = new WatcherFunction(this, 'Prober', {
      entry: 'lambda/handlers/probe-endpoints.ts',
      description: 'Probes TLS endpoints as their clients see them and puts the results on the watcher bus',
      timeout: proberTimeout,
      memorySizeMb,
      logRetention: props.logRetention,
      // The prober probes only these targets, whatever a queue message names (issue #9, item 6).
      extraFiles: {
        'endpoints.json': JSON.stringify(endpoints),
        ...(props.caBundlePem ? { 'ca-bundle.pem': props.caBundlePem } : {}),
      },
      environment: {
        [EVENT_BUS_NAME_ENV]: props.bus.eventBusName,
        [EVENT_SOURCE_ENV]: props.eventSource,
        [TIERS_DAYS_ENV]: props.tiersDays.join(','),
        [CRITICAL_DAYS_ENV]: String(props.criticalDays),
        [PROBE_TIMEOUT_MS_ENV]: String(probeTimeout.toMilliseconds()),
        [PROBE_CONCURRENCY_ENV]: String(sockets),
        ...(props.caBundlePem ? { [CA_FILE_ENV]: '/var/task/ca-bundle.pem' } : {}),
        ...(props.fetchMissingIssuers ? { [FETCH_MISSING_ISSUERS_ENV]: 'true' } : {}),
        ...(dual ? {} : { [PROBE_DUAL_CERTIFICATES_ENV]: 'false' }),
        ...(props.allowLinkLocal ? { [ALLOW_LINK_LOCAL_ENV]: 'true' } : {}),
        ...(graceHours === 24 ? {} : { [NOT_DEPLOYED_GRACE_HOURS_ENV]: String(graceHours) }),
        ...(props.discovery ? { [DISCOVERED_TARGETS_ENV]: 'true' } : {}),
        [METRICS_NAMESPACE_ENV]: METRICS_NAMESPACE,
        [WATCHER_ID_ENV]: props.watcherId,
        [STATE_TABLE_NAME_ENV]: props.stateTable.table.tableName,
        ...props.lifecycleEnvironment,
      },
      ...network,
    });
    prober.addEventSource(
      new sources.SqsEventSource(this.queue, {
        batchSize: 1,
        maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    props.bus.grantPutEventsTo(prober);
    props.stateTable.grantLifecycle(prober);
    this.proberFunction = prober;

    new events.Rule(this, 'Schedule', {
      description: `Dispatches the TLS endpoint probes every ${props.scanInterval.toHumanString()}`,
      schedule: events.Schedule.rate(props.scanInterval),
      targets: [
        new targets.LambdaFunction(dispatcher, {
          retryAttempts: 2,
          deadLetterQueue: props.deadLetterQueue,
        }),
      ],
    });

    const period = heartbeatPeriod(props.scanInterval);
    const counted = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { Watcher: props.watcherId },
        statistic: 'Sum',
        period,
      });
    const batchesCompleted = counted('EndpointBatchesCompleted');
    // Discovery alone (no configured endpoint): a period whose discovery found nothing to probe
    // queues no batch, so the worker's DiscoveredNothingToProbe counts as the heartbeat too (each
    // filled with 0 where it has no data point, so one present is enough); neither, and the sum is 0
    // or missing (treated as breaching): the alarm still fires. With configured endpoints the
    // dispatcher queues batches every period, and the prober's metric alone is the heartbeat.
    const discoveryOnly = endpoints.length === 0 && props.discovery === true;
    const heartbeat: cloudwatch.Metric | cloudwatch.MathExpression = discoveryOnly
      ? new cloudwatch.MathExpression({
          expression: 'FILL(batches, 0) + FILL(discoveredNothing, 0)',
          usingMetrics: {
            batches: batchesCompleted,
            discoveredNothing: counted(DISCOVERED_NOTHING_TO_PROBE_METRIC),
          },
          period,
        })
      : batchesCompleted;
    this.heartbeatAlarm = heartbeat.createAlarm(this, 'HeartbeatAlarm', {
      alarmDescription: discoveryOnly
        ? `No batch of TLS endpoint probes completed in ${period.toHumanString()} (1.5 x the schedule), nor did ` +
          'a discovery run report that it found nothing to probe: endpoints are not being watched. Check the ' +
          'discovery scan worker and prober logs and the probe dead-letter queue.'
        : `No batch of TLS endpoint probes completed in ${period.toHumanString()} (1.5 x the schedule): ` +
          'endpoints are not being watched. Check the dispatcher and prober logs and the probe dead-letter queue.',
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.proberErrorsAlarm = functionErrorsAlarm(
      this,
      'ErrorsAlarm',
      { dispatcher, prober },
      { opsTopic: props.opsTopic, description: 'The endpoint dispatcher or prober function failed.' },
    );
    this.deadLetterAlarm = deadLetterAlarm(this, 'DeadLetterAlarm', this.queueDeadLetters, {
      opsTopic: props.opsTopic,
      description: 'A batch of endpoint probes failed three deliveries and was dead-lettered.',
    });
    this.endpointsFailedAlarm = failureMetricAlarm(this, 'EndpointsFailed', props.watcherId, props.opsTopic);
    failureMetricAlarm(this, 'EndpointTargetsRejected', props.watcherId, props.opsTopic);
    this.queueAgeAlarm = queueAgeAlarm(this, 'QueueAgeAlarm', this.queue, props.scanInterval, {
      opsTopic: props.opsTopic,
      description: `A batch of endpoint probes has waited longer than the ${props.scanInterval.toHumanString()} scan interval: the prober is not running or not keeping up (maxConcurrency, throttling). See docs/operations.md.`,
    });
    notifyOps(props.opsTopic, this.heartbeatAlarm);
  }

  /**
   * Lets the discovery worker queue what it finds: send on the probe queue, the batch size, the
   * tracked scopes to retire (scan of the state table's scope index), and whether the prober can
   * reach internal load balancers (it runs in a VPC).
   */
  acceptDiscoveredFrom(worker: lambda.IFunction): void {
    this.queue.grantSendMessages(worker);
    this.stateTable.grantScopeListing(worker);
    if (!(worker instanceof lambda.Function))
      throw new InvalidWatcherConfigError('the discovery worker must be a Lambda function of this app');
    worker.addEnvironment(PROBE_QUEUE_URL_ENV, this.queue.queueUrl);
    worker.addEnvironment(PROBE_BATCH_SIZE_ENV, String(this.targetsPerBatch));
    if (this.inVpc) worker.addEnvironment(PROBER_IN_VPC_ENV, 'true');
  }
}
