import { Duration, Token } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { DestinationKind, RouteRule } from '../lambda/contracts/channels';
import type { EndpointTarget } from '../lambda/contracts/endpoints';
import type { LifecycleConfig } from '../lambda/contracts/lifecycle-config';
import { DEFAULT_TIERS_DAYS, validateThresholds } from '../lambda/contracts/thresholds';
import type { ConnectorConfig } from '../lambda/contracts/ticket-connectors';
import type { OrganizationScanProps } from './organization-scan-props';
import type { IWatcherSource } from './sources/source';

/** Lifecycle tuning (docs/lifecycle.md); every setting has the default given there. */
export type LifecycleSettings = Partial<Omit<LifecycleConfig, 'thresholds'>>;

/** Tuning of the endpoint probes; every setting has a default sized for 10,000 endpoints per period. */
export interface EndpointProbeSettings {
  /**
   * Endpoints per SQS message (one prober batch).
   *
   * @default 25
   */
  readonly targetsPerBatch?: number;
  /**
   * Prober functions running at once (the SQS event source's maximum concurrency, 2-1000).
   *
   * @default 10
   */
  readonly maxConcurrency?: number;
  /**
   * Deadline of one probe of one address: connect + STARTTLS + handshake. Name resolution has
   * its own deadline of the same length.
   *
   * @default Duration.seconds(10)
   */
  readonly probeTimeout?: Duration;
  /**
   * Endpoints probed at once inside one prober function.
   *
   * @default 32
   */
  readonly socketsPerFunction?: number;
  /**
   * Extra trust anchors (PEM) for endpoints signed by a private CA, besides Node's root store.
   *
   * @default - Node's bundled Mozilla root store only
   */
  readonly caBundlePem?: string;
  /**
   * Accept endpoints at link-local addresses (169.254.0.0/16, fe80::/10), where instance metadata
   * services answer; refused otherwise, so a target list cannot point the prober at them.
   *
   * @default false
   */
  readonly allowLinkLocal?: boolean;
  /**
   * @default 512
   */
  readonly memorySizeMb?: number;
  /**
   * VPC for the dispatcher and prober, to reach private endpoints. The subnets need a route to
   * the EventBridge and SQS APIs (NAT gateway or VPC interface endpoints).
   *
   * @default - no VPC
   */
  readonly vpc?: ec2.IVpc;
  /** @default - the VPC's private subnets with egress */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** @default - a new security group allowing all outbound traffic */
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/** A webhook the notifier posts chat alerts to (docs/chat.md). */
export interface WebhookDestinationSettings {
  /** Shown in logs and metrics instead of the URL: 1-64 of A-Z a-z 0-9 _ . - */
  readonly name: string;
  readonly kind: DestinationKind;
  /**
   * Secrets Manager secret holding the webhook URL (or JSON `{"url": ...}`): its name in this
   * account and region, or its full ARN. The notifier may read only these secrets.
   */
  readonly secretId: string;
  /** @default - every event on the chat topic */
  readonly detailTypes?: readonly string[];
}

/** A Slack channel of Amazon Q Developer in chat applications (Chatbot) for the chat topic. */
export interface SlackChannelSettings {
  /** Name of the channel configuration: 1-128 of letters, digits, '-' and '_'. */
  readonly configurationName: string;
  /** Workspace id from the Chatbot console, after authorising the workspace there once. */
  readonly slackWorkspaceId: string;
  /** Channel id (the 9+ characters at the end of the channel's link). */
  readonly slackChannelId: string;
}

/** A Microsoft Teams channel of Amazon Q Developer in chat applications (Chatbot) for the chat topic. */
export interface TeamsChannelSettings {
  /** Name of the channel configuration: 1-128 of letters, digits, '-' and '_'. */
  readonly configurationName: string;
  /** Team id from the Chatbot console, after authorising the team there once. */
  readonly teamId: string;
  readonly teamsTenantId: string;
  /** Channel id from the channel's link, URL-encoded as there: `19%3A…%40thread.tacv2`. */
  readonly teamsChannelId: string;
}

/** Alert channels: the fan-out to chat, SMS and tickets topics (docs/chat.md, "Deploying the fan-out"). */
export interface AlertFanoutSettings {
  /**
   * Topic for chat messages (a Chatbot custom notification as `default`, the raw event for SQS
   * subscribers). A topic you bring with its own KMS key must let the fan-out function use the key.
   *
   * @default - a new topic, encrypted with the fan-out's KMS key, SSL enforced
   */
  readonly chatTopic?: sns.ITopic;
  /**
   * Topic for SMS: the message is one SMS segment of text.
   *
   * @default - a new topic, encrypted with the fan-out's KMS key, SSL enforced
   */
  readonly smsTopic?: sns.ITopic;
  /**
   * Topic for ticket connectors: the message is the raw EventBridge event.
   *
   * @default - a new topic, encrypted with the fan-out's KMS key, SSL enforced
   */
  readonly ticketsTopic?: sns.ITopic;
  /**
   * Which events each channel gets: per channel, rules of detail-types and (optionally) alert
   * severities (`ok`, `warning`, `critical`, `expired`, `info`). A channel left out keeps its
   * default; `[]` turns it off.
   *
   * @default - chat: every lifecycle event; sms: critical Expiring and Expired; tickets: warning and
   *   above (Expiring, Expired, Endpoint Misconfigured) plus Renewed and Removed
   */
  readonly routing?: Partial<Readonly<Record<'chat' | 'sms' | 'tickets', readonly RouteRule[]>>>;
  /**
   * Phone numbers (E.164, e.g. `+14155550123`) subscribed to the SMS topic.
   *
   * @default - no SMS subscriptions
   */
  readonly smsPhoneNumbers?: readonly string[];
  /**
   * Webhooks for the notifier Lambda (chat topic → SQS → Lambda). When non-empty, creates the
   * queue, its DLQ with an alarm on the ops topic, and the notifier.
   *
   * @default - no notifier
   */
  readonly webhookDestinations?: readonly WebhookDestinationSettings[];
  /**
   * Ticketing systems that get one ticket per certificate lifecycle from the tickets topic
   * (Jira Cloud, ServiceNow, GitHub Issues, PagerDuty; see docs/tickets.md). Credentials live in
   * the Secrets Manager secret each entry names.
   *
   * @default - no ticket Lambda
   */
  readonly ticketConnectors?: readonly ConnectorConfig[];
  /**
   * Slack channel configurations subscribed to the chat topic.
   *
   * @default - none
   */
  readonly slackChannels?: readonly SlackChannelSettings[];
  /**
   * Microsoft Teams channel configurations subscribed to the chat topic.
   *
   * @default - none
   */
  readonly teamsChannels?: readonly TeamsChannelSettings[];
}

/** Configuration of one {@link CertificateExpiryWatcher}. Every prop is optional. */
export interface CertificateExpiryWatcherProps extends AlertFanoutSettings, OrganizationScanProps {
  /**
   * Regions the regional sources scan (each source may narrow them). Add `us-east-1` for
   * CloudFront's ACM certificates.
   *
   * @default - only the region the stack is deployed to
   */
  readonly regions?: readonly string[];
  /**
   * The certificate stores the inventory lists, each a binding that grants its own read-only
   * permissions (lib/sources; docs/architecture.md, "Add a source"). Each kind at most once.
   *
   * @default - [new AcmSource()]: ACM in {@link regions}
   */
  readonly sources?: readonly IWatcherSource[];
  /**
   * How often the inventory scan runs. Whole minutes, at least 1 minute and at most
   * 4 days 16 hours (6720 minutes): the no-scan heartbeat alarm watches 1.5 times this
   * interval, and CloudWatch caps an alarm's evaluation range at 7 days.
   *
   * @default Duration.hours(6) - four scans a day keep a tier crossing (tiers are whole days)
   *   at most 6 hours late while keeping ACM DescribeCertificate calls low.
   */
  readonly scanInterval?: Duration;
  /**
   * Alert tiers in days, strictly descending. The largest tier is the warning window; an
   * event is emitted when a certificate enters each tier.
   *
   * @default [30, 14, 7, 3, 1]
   */
  readonly tiersDays?: readonly number[];
  /**
   * At or below this many days left a certificate is critical. Must not exceed the largest tier.
   *
   * @default 7
   */
  readonly criticalDays?: number;
  /**
   * The `source` of every event the watcher puts on its bus. Must not start with `aws.`.
   *
   * @default 'cert-expiry-watcher'
   */
  readonly eventSource?: string;
  /**
   * Name of the watcher's custom event bus.
   *
   * @default - a unique name generated by CDK from the construct path
   */
  readonly eventBusName?: string;
  /**
   * How long the bus archive keeps the watcher's events for replay. Whole days;
   * `Duration.days(0)` keeps them forever.
   *
   * @default Duration.days(365) - a year of history covers a full certificate lifetime
   */
  readonly archiveRetention?: Duration;
  /**
   * Topic that receives the watcher's own health alarms (no scan, errors, dead letters).
   * A topic you bring must let `cloudwatch.amazonaws.com` publish (and use its KMS key, if any).
   *
   * @default - a new topic, encrypted with a new customer managed KMS key, SSL enforced
   */
  readonly opsTopic?: sns.ITopic;
  /**
   * Email addresses subscribed to the ops topic. Each must confirm the subscription email.
   *
   * @default - no subscriptions
   */
  readonly opsEmailAddresses?: readonly string[];
  /**
   * Retention of the watcher's Lambda log groups.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Timeout of one scope's scan (a source in one account and region) by its scan worker.
   *
   * @default Duration.minutes(5)
   */
  readonly inventoryTimeout?: Duration;
  /**
   * Memory of each scan worker function, in MB.
   *
   * @default 512
   */
  readonly inventoryMemorySizeMb?: number;
  /**
   * TLS endpoints probed on the same schedule, the way their clients see them (every address,
   * the chain as sent, STARTTLS by well-known port). Results go on the same bus with
   * `certificate.source` = `endpoint`, plus `Endpoint Check Failed` when nothing could be read.
   *
   * @default - no endpoint probes (no dispatcher, queue or prober is created)
   */
  readonly endpoints?: readonly EndpointTarget[];
  /**
   * Batching, concurrency, deadlines, private CA bundle and VPC of the endpoint probes.
   *
   * @default - see {@link EndpointProbeSettings}
   */
  readonly endpointProbes?: EndpointProbeSettings;
  /**
   * Alert lifecycle: reminder intervals, removal after missed scans, managed-certificate delay,
   * short-lived certificate percentages, retention of removed entries (docs/lifecycle.md).
   *
   * @default - the defaults in docs/lifecycle.md (daily reminders, removal after 3 missed scans, ...)
   */
  readonly lifecycle?: LifecycleSettings;
}

export const DEFAULT_SCAN_INTERVAL = Duration.hours(6);
export const DEFAULT_CRITICAL_DAYS = 7;
export const DEFAULT_EVENT_SOURCE = 'cert-expiry-watcher';
export const DEFAULT_ARCHIVE_RETENTION = Duration.days(365);
export const DEFAULT_INVENTORY_TIMEOUT = Duration.minutes(5);
export const DEFAULT_INVENTORY_MEMORY_MB = 512;
export const METRICS_NAMESPACE = 'CertExpiryWatcher';
export { DEFAULT_TIERS_DAYS };

/** CloudWatch: period × evaluation periods ≤ 7 days (≤ 1 day when the period is under an hour). */
export const MAX_ALARM_EVALUATION_RANGE_SECONDS = 7 * 24 * 60 * 60;
/** The heartbeat alarm fires when no scan succeeded within this multiple of the scan interval. */
export const HEARTBEAT_FACTOR = 1.5;
/** The longest scan interval whose heartbeat window still fits one alarm: 7 days / 1.5. */
export const MAX_SCAN_INTERVAL_MINUTES = Math.floor(
  MAX_ALARM_EVALUATION_RANGE_SECONDS / 60 / HEARTBEAT_FACTOR,
);

export class InvalidWatcherConfigError extends Error {
  override readonly name = 'InvalidWatcherConfigError';
}

// Every partition's shape (us-east-1, us-gov-west-1, cn-north-1, us-isob-east-1, eusc-de-east-1);
// the direction word is spelled out so a typo such as eu-wst-1 fails at synth, not at scan time.
const REGION_PATTERN =
  /^[a-z]{2,4}(-[a-z]{2,})*-(east|west|north|south|central|northeast|northwest|southeast|southwest)-\d{1,2}$/;
// EventBridge limits Source to 256 characters; `aws.` sources are reserved for AWS services.
const EVENT_SOURCE_PATTERN = /^[A-Za-z0-9._\-/]{1,256}$/;
// Deliberately loose: SNS validates the address; this only catches obvious paste errors.
const EMAIL_PATTERN = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;

export const validateRegions = (regions: readonly string[]): readonly string[] => {
  if (regions.length === 0) {
    throw new InvalidWatcherConfigError('regions must not be empty; omit it to scan the stack region');
  }
  const seen = new Set<string>();
  regions.forEach((region, i) => {
    if (Token.isUnresolved(region)) return;
    if (!REGION_PATTERN.test(region)) {
      throw new InvalidWatcherConfigError(
        `regions[${i}] is not an AWS region name (like eu-west-1 or us-gov-west-1), got '${region}'`,
      );
    }
    if (seen.has(region)) throw new InvalidWatcherConfigError(`regions lists '${region}' twice`);
    seen.add(region);
  });
  return regions;
};

/** Returns the interval in whole minutes, or throws naming the bad value. */
export const validateScanInterval = (interval: Duration): number => {
  const seconds = interval.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds % 60 !== 0) {
    throw new InvalidWatcherConfigError(
      `scanInterval must be a whole number of minutes, got ${interval.toHumanString()}`,
    );
  }
  const minutes = seconds / 60;
  if (minutes < 1) {
    throw new InvalidWatcherConfigError(
      `scanInterval must be at least 1 minute, got ${interval.toHumanString()}`,
    );
  }
  if (minutes > MAX_SCAN_INTERVAL_MINUTES) {
    throw new InvalidWatcherConfigError(
      `scanInterval must be at most ${MAX_SCAN_INTERVAL_MINUTES} minutes (the heartbeat alarm watches ` +
        `${HEARTBEAT_FACTOR}x the interval and CloudWatch alarms look back at most 7 days), got ${interval.toHumanString()}`,
    );
  }
  return minutes;
};

/**
 * The heartbeat alarm's single period: 1.5 × the scan interval, rounded up to whole minutes
 * because CloudWatch periods of a minute or more must be multiples of 60 seconds.
 */
export const heartbeatPeriod = (scanInterval: Duration): Duration => {
  const minutes = validateScanInterval(scanInterval);
  return Duration.minutes(Math.ceil(minutes * HEARTBEAT_FACTOR));
};

export const validateEventSource = (source: string): string => {
  if (Token.isUnresolved(source)) return source;
  if (!EVENT_SOURCE_PATTERN.test(source) || source.toLowerCase().startsWith('aws.')) {
    throw new InvalidWatcherConfigError(
      `eventSource must be 1-256 characters of letters, digits, '.', '-', '_' or '/' and must not start with 'aws.', got '${source}'`,
    );
  }
  return source;
};

export const validateArchiveRetention = (retention: Duration): Duration => {
  const days = retention.toDays({ integral: false });
  if (!Number.isInteger(days) || days < 0) {
    throw new InvalidWatcherConfigError(
      `archiveRetention must be a whole number of days (0 keeps events forever), got ${retention.toHumanString()}`,
    );
  }
  return retention;
};

export const validateEmailAddresses = (addresses: readonly string[]): readonly string[] => {
  addresses.forEach((address, i) => {
    if (Token.isUnresolved(address)) return;
    if (!EMAIL_PATTERN.test(address)) {
      throw new InvalidWatcherConfigError(
        `opsEmailAddresses[${i}] is not an email address, got '${address}'`,
      );
    }
  });
  return addresses;
};

export const validateMemorySizeMb = (memoryMb: number): number => {
  if (!Number.isInteger(memoryMb) || memoryMb < 128 || memoryMb > 10240) {
    throw new InvalidWatcherConfigError(
      `inventoryMemorySizeMb must be an integer from 128 to 10240, got ${memoryMb}`,
    );
  }
  return memoryMb;
};

export const validateTimeout = (timeout: Duration): Duration => {
  const seconds = timeout.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 900) {
    throw new InvalidWatcherConfigError(
      `inventoryTimeout must be whole seconds from 1 second to 15 minutes, got ${timeout.toHumanString()}`,
    );
  }
  return timeout;
};

/** The same check the Lambda runs at init, rethrown as a construct configuration error. */
export const validateTiers = (tiersDays: readonly number[], criticalDays: number): void => {
  try {
    validateThresholds({ tiersDays, criticalDays });
  } catch (error) {
    throw new InvalidWatcherConfigError((error as Error).message, { cause: error });
  }
};
