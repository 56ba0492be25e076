/** The watcher's defaults and the synth-time checks of its props; each error names the bad value. */
import { Duration, Token } from 'aws-cdk-lib';
import { isRegionName } from '../lambda/contracts/regions';
import { DEFAULT_TIERS_DAYS, validateThresholds } from '../lambda/contracts/thresholds';

export const DEFAULT_SCAN_INTERVAL = Duration.hours(6);
export const DEFAULT_CRITICAL_DAYS = 7;
export const DEFAULT_EVENT_SOURCE = 'cert-expiry-watcher';
export const DEFAULT_ARCHIVE_RETENTION = Duration.days(365);
export const DEFAULT_REMINDER_INTERVAL = Duration.days(1);
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
    if (!isRegionName(region)) {
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
