import type { Duration } from 'aws-cdk-lib';
import { SOURCE_KIND_PATTERN } from '../lambda/contracts/sources';
import { validateReminderInterval } from './alarm-reminder';
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
  InvalidWatcherConfigError,
  validateArchiveRetention,
  validateEmailAddresses,
  validateEventSource,
  validateMemorySizeMb,
  validateRegions,
  validateScanInterval,
  validateTiers,
  validateTimeout,
} from './config';
import { validateAlertFanoutSettings } from './fanout';
import { resolveReportSettings } from './report';
import { resolveOrganizationScan } from './scan-fanout';
import { AcmSource } from './sources/acm';
import { withDiscovery } from './sources/discovery';
import type { IWatcherSource } from './sources/source';
import { lifecycleEnvironment } from './state-table';

/**
 * Every prop of the watcher with its default, checked before the construct creates anything
 * (bundling runs at construction, so a bad value must fail first). Checks run in the props' order,
 * so of several bad values the same one is reported.
 */
export const resolveWatcherSettings = (props: CertificateExpiryWatcherProps, stackRegion: string) => {
  const regions = validateRegions(props.regions ?? [stackRegion]);
  const scanInterval: Duration = props.scanInterval ?? DEFAULT_SCAN_INTERVAL;
  validateScanInterval(scanInterval);
  const tiersDays = props.tiersDays ?? DEFAULT_TIERS_DAYS;
  const criticalDays = props.criticalDays ?? DEFAULT_CRITICAL_DAYS;
  validateTiers(tiersDays, criticalDays);
  const eventSource = validateEventSource(props.eventSource ?? DEFAULT_EVENT_SOURCE);
  const archiveRetention = validateArchiveRetention(props.archiveRetention ?? DEFAULT_ARCHIVE_RETENTION);
  const opsEmailAddresses = validateEmailAddresses(props.opsEmailAddresses ?? []);
  const timeout = validateTimeout(props.inventoryTimeout ?? DEFAULT_INVENTORY_TIMEOUT);
  const memorySizeMb = validateMemorySizeMb(props.inventoryMemorySizeMb ?? DEFAULT_INVENTORY_MEMORY_MB);
  const lifecycleEnv = lifecycleEnvironment(props.lifecycle ?? {}, { tiersDays, criticalDays });
  validateAlertFanoutSettings(props);
  const sources = validateSources(withDiscovery(props.sources ?? [new AcmSource()], props.discovery));
  const discovering = sources.find((s) => s.kind === 'discovery'); // by the prop or among the sources
  const organization = resolveOrganizationScan(props);
  const opsAlarms = props.opsAlarms ?? {};
  const report = resolveReportSettings(props.report);
  const reminderInterval = validateReminderInterval(opsAlarms.reminderInterval ?? DEFAULT_REMINDER_INTERVAL);
  return {
    regions,
    scanInterval,
    tiersDays,
    criticalDays,
    eventSource,
    archiveRetention,
    opsEmailAddresses,
    timeout,
    memorySizeMb,
    lifecycleEnv,
    sources,
    discovering,
    organization,
    opsAlarms,
    report,
    reminderInterval,
  };
};

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
