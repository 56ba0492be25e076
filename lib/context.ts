import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { type EndpointTarget, parseTargetList, TargetParseError } from '../lambda/contracts/endpoints';
import { parseTargetsFile } from '../lambda/contracts/endpoints-file';
import { InvalidSourceSettingError, parseSourceSettings } from '../lambda/contracts/sources';
import { validateReminderInterval } from './alarm-reminder';
import {
  type CertificateExpiryWatcherProps,
  DEFAULT_CRITICAL_DAYS,
  DEFAULT_TIERS_DAYS,
  type EndpointProbeSettings,
  InvalidWatcherConfigError,
  type OpsAlarmSettings,
  validateArchiveRetention,
  validateEmailAddresses,
  validateEventSource,
  validateRegions,
  validateScanInterval,
  validateTiers,
} from './config';
import { discoveryFromContext } from './context-discovery';
import { ORGANIZATION_CONTEXT_KEYS, organizationFromContext } from './context-organization';
import { REPORT_CONTEXT_KEYS, reportFromContext } from './context-report';
import {
  booleanValue,
  checked,
  InvalidContextError,
  integer,
  isBlank,
  jsonValue,
  listValue,
  nonEmptyString,
  numberList,
  show,
  stringList,
  toNumber,
} from './context-values';
import { SOURCE_BINDINGS } from './sources';

export { InvalidContextError };

/**
 * Reads the CDK app's configuration from context (cdk.json `context`, or `-c key=value`).
 * Values from cdk.json keep their JSON types; values from `-c` are strings, so lists also
 * accept a comma-separated string and numbers a numeric string.
 */

export const CONTEXT_PREFIX = 'watcher:';

export const CONTEXT_KEYS = [
  'watcher:stackName',
  'watcher:regions',
  'watcher:sources',
  'watcher:scanIntervalMinutes',
  'watcher:tiersDays',
  'watcher:criticalDays',
  'watcher:eventSource',
  'watcher:eventBusName',
  'watcher:archiveRetentionDays',
  'watcher:opsEmailAddresses',
  'watcher:opsAlarmsAcknowledgeNoSubscriber',
  'watcher:opsAlarmsToChatChannels',
  'watcher:opsAlarmReminderHours',
  'watcher:logRetentionDays',
  'watcher:endpoints',
  'watcher:endpointsFile',
  'watcher:probeTargetsPerBatch',
  'watcher:probeMaxConcurrency',
  'watcher:probeTimeoutSeconds',
  'watcher:probeSocketsPerFunction',
  'watcher:caBundleFile',
  'watcher:discovery',
  'watcher:probeDualCertificates',
  'watcher:probeFetchMissingIssuers',
  'watcher:notDeployedGraceHours',
  'watcher:smsPhoneNumbers',
  'watcher:webhookDestinations',
  'watcher:slackChannels',
  'watcher:teamsChannels',
  'watcher:routing',
  'watcher:ticketConnectors',
  ...ORGANIZATION_CONTEXT_KEYS,
  'watcher:owners',
  ...REPORT_CONTEXT_KEYS,
] as const;

export type ContextKey = (typeof CONTEXT_KEYS)[number];

export const DEFAULT_STACK_NAME = 'CertificateExpiryWatcher';

export interface WatcherAppConfig {
  readonly stackName: string;
  readonly watcherProps: CertificateExpiryWatcherProps;
}

const STACK_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const RETENTION_DAYS = Object.values(logs.RetentionDays).filter((v): v is number => typeof v === 'number');

/**
 * `watcher:sources`: kinds (`acm,iam` or `["acm"]`) or settings (`[{"kind":"acm","regions":["eu-west-1"]}]`),
 * each kind mapped to its binding by SOURCE_BINDINGS.
 */
const sourcesFromContext = (value: unknown) => {
  const key = 'watcher:sources';
  const items =
    typeof value === 'string' && !value.trim().startsWith('[')
      ? stringList(key, value)
      : jsonValue(key, value, 'array');
  const settings = (items as unknown[]).map((item) =>
    typeof item === 'string' ? { kind: item.trim() } : item,
  );
  let parsed: ReturnType<typeof parseSourceSettings>;
  try {
    parsed = parseSourceSettings(JSON.stringify(settings), key);
  } catch (error) {
    if (error instanceof InvalidSourceSettingError)
      throw new InvalidContextError(key, error.message, { cause: error });
    throw error;
  }
  return parsed.map((s, i) => {
    const bind = SOURCE_BINDINGS[s.kind];
    if (!bind)
      throw new InvalidContextError(
        key,
        `item ${i}: unknown source kind "${s.kind}"; known kinds are ${Object.keys(SOURCE_BINDINGS).sort().join(', ')}`,
      );
    return checked(key, () => bind(s));
  });
};

/**
 * The largest file a context key may name (`watcher:endpointsFile`, `watcher:caBundleFile`, ...):
 * 16 MiB, about 150,000 endpoints; a larger one is refused before it is read (a wrong path, such
 * as a disk image, must not exhaust the synth's memory).
 */
export const MAX_CONTEXT_FILE_BYTES = 16 * 2 ** 20;

/** Reads a file named by a context key (relative to the app's directory), refusing one over MAX_CONTEXT_FILE_BYTES. */
export const readContextFile = (file: string): string => {
  const at = path.resolve(file);
  const { size } = statSync(at);
  if (size > MAX_CONTEXT_FILE_BYTES)
    throw new Error(`it has ${size} bytes, more than the ${MAX_CONTEXT_FILE_BYTES} a context file may have`);
  return readFileSync(at, 'utf8');
};

/**
 * Parses and validates the `watcher:` context keys. Absent or blank keys fall back to the
 * construct's defaults; an unknown `watcher:` key is an error so a typo is not silently ignored.
 */
export const parseWatcherContext = (
  context: Readonly<Record<string, unknown>>,
  /** Reads files named by context keys; relative paths are relative to the app's directory. */
  readFile: (file: string) => string = readContextFile,
): WatcherAppConfig => {
  const known = new Set<string>(CONTEXT_KEYS);
  for (const key of Object.keys(context)) {
    if (key.startsWith(CONTEXT_PREFIX) && !known.has(key)) {
      throw new InvalidContextError(key, `unknown key; known keys are ${CONTEXT_KEYS.join(', ')}`);
    }
  }
  const get = (key: ContextKey): unknown => (isBlank(context[key]) ? undefined : context[key]);
  const props: { -readonly [K in keyof CertificateExpiryWatcherProps]: CertificateExpiryWatcherProps[K] } =
    {};

  let stackName = DEFAULT_STACK_NAME;
  const rawStackName = get('watcher:stackName');
  if (rawStackName !== undefined) {
    stackName = nonEmptyString('watcher:stackName', rawStackName);
    if (!STACK_NAME_PATTERN.test(stackName)) {
      throw new InvalidContextError(
        'watcher:stackName',
        `must start with a letter and contain only letters, digits and hyphens (at most 128), got ${show(stackName)}`,
      );
    }
  }

  const rawRegions = get('watcher:regions');
  if (rawRegions !== undefined) {
    const regions = stringList('watcher:regions', rawRegions);
    // An empty list means "the stack region", the same as leaving the key out.
    if (regions.length > 0) props.regions = checked('watcher:regions', () => validateRegions(regions));
  }

  const rawSources = get('watcher:sources');
  if (rawSources !== undefined) props.sources = sourcesFromContext(rawSources);

  const rawInterval = get('watcher:scanIntervalMinutes');
  if (rawInterval !== undefined) {
    const minutes = integer('watcher:scanIntervalMinutes', rawInterval, 1);
    props.scanInterval = Duration.minutes(minutes);
    checked('watcher:scanIntervalMinutes', () => validateScanInterval(Duration.minutes(minutes)));
  }

  const rawTiers = get('watcher:tiersDays');
  if (rawTiers !== undefined) props.tiersDays = numberList('watcher:tiersDays', rawTiers);
  const rawCritical = get('watcher:criticalDays');
  if (rawCritical !== undefined)
    props.criticalDays = toNumber('watcher:criticalDays', rawCritical, 'the value');
  if (props.tiersDays !== undefined || props.criticalDays !== undefined) {
    try {
      validateTiers(props.tiersDays ?? DEFAULT_TIERS_DAYS, props.criticalDays ?? DEFAULT_CRITICAL_DAYS);
    } catch (error) {
      if (!(error instanceof InvalidWatcherConfigError)) throw error;
      // Blame the key the message is about: a criticalDays error under watcher:criticalDays.
      const key: ContextKey =
        props.tiersDays === undefined || error.message.startsWith('criticalDays')
          ? 'watcher:criticalDays'
          : 'watcher:tiersDays';
      throw new InvalidContextError(key, error.message, { cause: error });
    }
  }

  const rawSource = get('watcher:eventSource');
  if (rawSource !== undefined) {
    const source = nonEmptyString('watcher:eventSource', rawSource);
    props.eventSource = checked('watcher:eventSource', () => validateEventSource(source));
  }

  const rawBusName = get('watcher:eventBusName');
  if (rawBusName !== undefined) props.eventBusName = nonEmptyString('watcher:eventBusName', rawBusName);

  const rawArchive = get('watcher:archiveRetentionDays');
  if (rawArchive !== undefined) {
    const days = integer('watcher:archiveRetentionDays', rawArchive, 0);
    props.archiveRetention = checked('watcher:archiveRetentionDays', () =>
      validateArchiveRetention(Duration.days(days)),
    );
  }

  const rawEmails = get('watcher:opsEmailAddresses');
  if (rawEmails !== undefined) {
    const emails = stringList('watcher:opsEmailAddresses', rawEmails);
    props.opsEmailAddresses = checked('watcher:opsEmailAddresses', () => validateEmailAddresses(emails));
  }

  const opsAlarms: { -readonly [K in keyof OpsAlarmSettings]: OpsAlarmSettings[K] } = {};
  const rawAcknowledge = get('watcher:opsAlarmsAcknowledgeNoSubscriber');
  if (rawAcknowledge !== undefined)
    opsAlarms.acknowledgeNoSubscriber = booleanValue(
      'watcher:opsAlarmsAcknowledgeNoSubscriber',
      rawAcknowledge,
    );
  const rawToChat = get('watcher:opsAlarmsToChatChannels');
  if (rawToChat !== undefined)
    opsAlarms.toChatChannels = booleanValue('watcher:opsAlarmsToChatChannels', rawToChat);
  const rawReminder = get('watcher:opsAlarmReminderHours');
  if (rawReminder !== undefined) {
    const hours = integer('watcher:opsAlarmReminderHours', rawReminder, 1);
    opsAlarms.reminderInterval = checked('watcher:opsAlarmReminderHours', () =>
      validateReminderInterval(Duration.hours(hours)),
    );
  }
  if (Object.keys(opsAlarms).length > 0) props.opsAlarms = opsAlarms;

  const rawLogRetention = get('watcher:logRetentionDays');
  if (rawLogRetention !== undefined) {
    const days = integer('watcher:logRetentionDays', rawLogRetention, 1);
    if (!RETENTION_DAYS.includes(days)) {
      throw new InvalidContextError(
        'watcher:logRetentionDays',
        `must be one of the values CloudWatch Logs accepts (${RETENTION_DAYS.join(', ')}), got ${show(rawLogRetention)}`,
      );
    }
    props.logRetention = days as logs.RetentionDays;
  }

  const endpoints: EndpointTarget[] = [];
  const targetsFrom = (key: ContextKey, parse: () => EndpointTarget[]): EndpointTarget[] => {
    try {
      return parse();
    } catch (error) {
      if (error instanceof TargetParseError)
        throw new InvalidContextError(key, error.message, { cause: error });
      throw error;
    }
  };
  const readFor = (key: ContextKey, file: string): string => {
    try {
      return readFile(file);
    } catch (error) {
      throw new InvalidContextError(key, `cannot read ${file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  };
  const rawEndpoints = get('watcher:endpoints');
  if (rawEndpoints !== undefined) {
    const list =
      typeof rawEndpoints === 'string' ? listValue('watcher:endpoints', rawEndpoints) : rawEndpoints;
    endpoints.push(...targetsFrom('watcher:endpoints', () => parseTargetList(list, 'watcher:endpoints', {})));
  }
  const rawEndpointsFile = get('watcher:endpointsFile');
  if (rawEndpointsFile !== undefined) {
    const file = nonEmptyString('watcher:endpointsFile', rawEndpointsFile);
    const text = readFor('watcher:endpointsFile', file);
    endpoints.push(...targetsFrom('watcher:endpointsFile', () => parseTargetsFile(text, file)));
  }
  if (endpoints.length > 0) props.endpoints = endpoints;

  const probe: { -readonly [K in keyof EndpointProbeSettings]: EndpointProbeSettings[K] } = {};
  const rawBatch = get('watcher:probeTargetsPerBatch');
  if (rawBatch !== undefined) probe.targetsPerBatch = integer('watcher:probeTargetsPerBatch', rawBatch, 1);
  const rawConcurrency = get('watcher:probeMaxConcurrency');
  if (rawConcurrency !== undefined)
    probe.maxConcurrency = integer('watcher:probeMaxConcurrency', rawConcurrency, 2);
  const rawTimeout = get('watcher:probeTimeoutSeconds');
  if (rawTimeout !== undefined) {
    probe.probeTimeout = Duration.seconds(integer('watcher:probeTimeoutSeconds', rawTimeout, 1));
  }
  const rawSockets = get('watcher:probeSocketsPerFunction');
  if (rawSockets !== undefined)
    probe.socketsPerFunction = integer('watcher:probeSocketsPerFunction', rawSockets, 1);
  const rawDual = get('watcher:probeDualCertificates');
  if (rawDual !== undefined) probe.dualCertificates = booleanValue('watcher:probeDualCertificates', rawDual);
  const rawGrace = get('watcher:notDeployedGraceHours');
  if (rawGrace !== undefined)
    probe.notDeployedGrace = Duration.hours(integer('watcher:notDeployedGraceHours', rawGrace, 0));
  const rawAia = get('watcher:probeFetchMissingIssuers');
  if (rawAia !== undefined)
    probe.fetchMissingIssuers = booleanValue('watcher:probeFetchMissingIssuers', rawAia);
  const rawCa = get('watcher:caBundleFile');
  if (rawCa !== undefined) {
    const file = nonEmptyString('watcher:caBundleFile', rawCa);
    probe.caBundlePem = readFor('watcher:caBundleFile', file);
    if (!probe.caBundlePem.includes('-----BEGIN CERTIFICATE-----')) {
      throw new InvalidContextError('watcher:caBundleFile', `${file} holds no PEM certificate`);
    }
  }
  const rawDiscovery = get('watcher:discovery');
  if (rawDiscovery !== undefined) props.discovery = discoveryFromContext(rawDiscovery);
  if (Object.keys(probe).length > 0) {
    if (endpoints.length === 0 && !props.discovery?.enabled) {
      throw new InvalidContextError(
        'watcher:endpoints',
        'probe settings are set but no endpoints are configured (watcher:endpoints or watcher:endpointsFile)',
      );
    }
    props.endpointProbes = probe;
  }

  const rawSms = get('watcher:smsPhoneNumbers');
  if (rawSms !== undefined) props.smsPhoneNumbers = stringList('watcher:smsPhoneNumbers', rawSms);
  // Shapes and values are checked by the construct (validated before anything is created); the
  // app names the context key when that fails (see bin/app.ts).
  const jsonKeys = [
    ['watcher:webhookDestinations', 'webhookDestinations', 'array'],
    ['watcher:slackChannels', 'slackChannels', 'array'],
    ['watcher:teamsChannels', 'teamsChannels', 'array'],
    ['watcher:routing', 'routing', 'object'],
    ['watcher:ticketConnectors', 'ticketConnectors', 'array'],
  ] as const;
  for (const [key, prop, shape] of jsonKeys) {
    const raw = get(key);
    if (raw !== undefined) (props as Record<string, unknown>)[prop] = jsonValue(key, raw, shape);
  }
  // `{"owners": [...], "defaultOwner": {...}}` (docs/routing.md); the construct checks the rest.
  const rawOwners = get('watcher:owners');
  if (rawOwners !== undefined) {
    const { owners, defaultOwner, ...rest } = jsonValue('watcher:owners', rawOwners, 'object') as Record<
      string,
      never
    >;
    if (Object.keys(rest).length > 0)
      throw new InvalidContextError(
        'watcher:owners',
        `has unknown fields ${Object.keys(rest).join(', ')} (use owners, defaultOwner)`,
      );
    Object.assign(props, { owners, defaultOwner });
  }

  Object.assign(props, organizationFromContext(get), reportFromContext(get));
  return { stackName, watcherProps: props };
};
