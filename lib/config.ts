/** The watcher's props (CertificateExpiryWatcherProps); their defaults and synth-time checks are in ./validation. */
import type { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { DiscoveryKind } from '../lambda/contracts/discovery';
import type { EndpointTarget } from '../lambda/contracts/endpoints';
import type { LifecycleConfig } from '../lambda/contracts/lifecycle-config';
import type { AlertFanoutSettings } from './channels/settings';
import type { WatcherDashboardSettings } from './dashboard';
import type { OrganizationScanProps } from './organization-scan-props';
import type { ScheduledReportSettings } from './report';
import type { IWatcherSource } from './sources/source';

/** Lifecycle tuning (docs/lifecycle.md); every setting has the default given there. */
export type LifecycleSettings = Partial<Omit<LifecycleConfig, 'thresholds'>>;

/** The construct's `discovery` prop and the `watcher:discovery` context key (docs/discovery.md). */
export interface DiscoverySettings {
  /** Discover the endpoints of load balancers, CloudFront, API Gateway and tagged certificates, and probe them. */
  readonly enabled: boolean;
  /** @default every kind: elbv2, elb, cloudfront, apigateway, tag */
  readonly kinds?: readonly DiscoveryKind[];
  /** Regions whose load balancers, API Gateway domains and tagged certificates are read. @default the watcher's regions */
  readonly regions?: readonly string[];
}

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
   * When a server omits an intermediate, fetch it from the certificate's AIA caIssuers URL (RFC
   * 5280 §4.2.2.1; `http:` only, at most 64 KiB and 5 s per fetch, three per probe, never a
   * link-local or metadata address) to say whether the chain is fixable (docs/endpoints.md,
   * "Untrusted or incomplete"). Sets `FETCH_MISSING_ISSUERS=true` on the prober. It needs
   * **outbound HTTP** (port 80) from the prober's network to the URLs the probed certificates name:
   * in a VPC, a NAT gateway and a security group that allows it.
   *
   * @default false
   */
  readonly fetchMissingIssuers?: boolean;
  /**
   * Look for a dual-certificate server's second certificate (ECDSA and RSA, chosen by what the
   * client offers): after a handshake that gave an ECDSA certificate, one more offering only RSA,
   * so both are watched; none after an RSA one, since no client that offers RSA is served an ECDSA
   * twin (docs/endpoints.md, "Dual certificates"). Costs one more handshake per ECDSA address and
   * one more probe deadline in the prober's timeout; `false` sets PROBE_DUAL_CERTIFICATES=false.
   *
   * @default true
   */
  readonly dualCertificates?: boolean;
  /**
   * Accept endpoints at link-local addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254), where
   * instance metadata services answer, and probe names that resolve there (ALLOW_LINK_LOCAL=true on
   * the prober); refused otherwise, at synth for literals and at probe time (ADDRESS_REFUSED) for
   * names, so neither a target list nor a DNS record can point the prober at them.
   *
   * @default false
   */
  readonly allowLinkLocal?: boolean;
  /**
   * For endpoints that say what their resource is configured to serve (`expected`, set by
   * discovery): how long the store may hold a newer certificate the endpoint does not serve before
   * the prober says CERTIFICATE_NOT_DEPLOYED ("Certificate Not Deployed", docs/discovery.md),
   * counted from when the store got it. Whole hours, 0 to 90 days; sets NOT_DEPLOYED_GRACE_HOURS on
   * the prober. Context: `watcher:notDeployedGraceHours`.
   *
   * @default Duration.hours(24)
   */
  readonly notDeployedGrace?: Duration;
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

/**
 * Who hears the watcher's own health alarms, and how often they repeat (docs/operations.md).
 * Synth fails when the ops topic would have no subscriber, unless {@link acknowledgeNoSubscriber}.
 */
export interface OpsAlarmSettings {
  /**
   * Synthesize although the ops topic has no subscriber (no `opsEmailAddresses`, no `opsTopic` of
   * your own, no subscription added to `watcher.opsTopic`, no Chatbot channel with
   * {@link toChatChannels}): the alarms then reach no one until you subscribe, and synth warns
   * instead of failing. For a trial stack, or when subscriptions are managed outside this app.
   *
   * @default false - synth fails, naming the props (and `watcher:*` context keys) that fix it
   */
  readonly acknowledgeNoSubscriber?: boolean;
  /**
   * Also deliver the ops topic (alarm notifications and their reminders) to the Amazon Q Developer
   * in chat applications (Chatbot) channels: `slackChannels`, `teamsChannels`, or
   * `SlackChatbotChannel` / `TeamsChatbotChannel` in `channels`, which render CloudWatch alarm
   * notifications natively. A bound Chatbot channel then counts as a subscriber. Webhook channels
   * get watcher events only.
   *
   * @default false - alarms go to the ops topic's own subscribers only
   */
  readonly toChatChannels?: boolean;
  /**
   * How often an alarm that stays in ALARM is notified again, until it returns to OK: CloudWatch
   * itself notifies only on state changes. Whole hours, 1 hour to 7 days.
   *
   * @default Duration.days(1)
   */
  readonly reminderInterval?: Duration;
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
   * @default - no subscriptions (then synth fails unless another subscriber exists or
   *   `opsAlarms.acknowledgeNoSubscriber` is set)
   */
  readonly opsEmailAddresses?: readonly string[];
  /**
   * Who else hears the health alarms (Chatbot channels), how often one left in ALARM repeats, and
   * the explicit opt-out from having any subscriber.
   *
   * @default - daily reminders; synth fails when the ops topic has no subscriber
   */
  readonly opsAlarms?: OpsAlarmSettings;
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
   * Discovery of deployed endpoints (docs/discovery.md): HTTPS/TLS listeners of load balancers,
   * CloudFront distributions, API Gateway custom domain names and certificates tagged
   * `cert-watch:endpoints`, in every scanned account, each probed by the endpoint prober with the
   * certificate's names as SNI at the resource's own address. Creates the probe machinery even
   * without `endpoints`; internal load balancers are probed only with `endpointProbes.vpc`.
   *
   * @default - off
   */
  readonly discovery?: DiscoverySettings;
  /**
   * Alert lifecycle: reminder intervals, removal after missed scans, managed-certificate delay,
   * short-lived certificate percentages, retention of removed entries (docs/lifecycle.md).
   *
   * @default - the defaults in docs/lifecycle.md (daily reminders, removal after 3 missed scans, ...)
   */
  readonly lifecycle?: LifecycleSettings;
  /**
   * The scheduled estate report in an S3 bucket and the weekly digest to the chat channels
   * (docs/reports.md, "Scheduled report and digest"); `{ enabled: false }` creates neither.
   *
   * @default - on: Mondays 08:00 UTC, reports kept 400 days, the full digest
   */
  readonly report?: ScheduledReportSettings;
  /**
   * The CloudWatch dashboard (docs/reports.md, "Dashboard"); `{ enabled: false }` for none.
   *
   * @default - on, with a name CloudFormation generates
   */
  readonly dashboard?: WatcherDashboardSettings;
}

export * from './validation';
