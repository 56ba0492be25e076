import { App, Duration, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import {
  CertificateExpiryWatcher,
  type CertificateExpiryWatcherProps,
  heartbeatPeriod,
  InvalidWatcherConfigError,
  MAX_SCAN_INTERVAL_MINUTES,
  validateRegions,
} from '../../lib';

// Validation runs before any resource is created, so no bundling happens in this file.
const build = (props: CertificateExpiryWatcherProps): CertificateExpiryWatcher =>
  new CertificateExpiryWatcher(new Stack(new App(), 'ValidationStack'), 'Watcher', props);

describe('CertificateExpiryWatcher prop validation', () => {
  it.each([
    'us-east-1',
    'eu-central-2',
    'ap-southeast-5',
    'il-central-1',
    'mx-central-1',
    'us-gov-west-1',
    'cn-north-1',
    'cn-northwest-1',
    'us-isob-east-1',
    'eusc-de-east-1',
  ])('accepts the region %s', (region) => {
    expect(validateRegions([region])).toEqual([region]);
  });

  it.each(['eu-wst-1', 'EU-WEST-1', 'eu-west', 'euwest1', 'us-east-1a', ' us-east-1'])(
    'rejects the region name %j',
    (region) => {
      expect(() => build({ regions: ['us-east-1', region] })).toThrow(
        `regions[1] is not an AWS region name (like eu-west-1 or us-gov-west-1), got '${region}'`,
      );
    },
  );

  it('rejects an empty region list', () => {
    expect(() => build({ regions: [] })).toThrow('regions must not be empty');
  });

  it('rejects a region listed twice', () => {
    expect(() => build({ regions: ['eu-west-1', 'eu-west-1'] })).toThrow("regions lists 'eu-west-1' twice");
  });

  it('rejects unsorted tiers, naming them', () => {
    expect(() => build({ tiersDays: [7, 30, 1] })).toThrow(
      'tiersDays must be strictly descending (e.g. [30, 14, 7]), got [7, 30, 1]',
    );
  });

  it('rejects empty tiers', () => {
    expect(() => build({ tiersDays: [] })).toThrow('tiersDays must not be empty');
  });

  it('rejects a non-positive tier', () => {
    expect(() => build({ tiersDays: [30, 0] })).toThrow(
      'tiersDays[1] must be a positive number of days, got 0',
    );
  });

  it('rejects criticalDays above the warning window', () => {
    expect(() => build({ tiersDays: [14, 7], criticalDays: 21 })).toThrow(
      'criticalDays (21) must not exceed the warning window (14 days)',
    );
  });

  it('throws its own error type, keeping the Lambda-side error as the cause', () => {
    const error = (() => {
      try {
        build({ tiersDays: [] });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidWatcherConfigError);
    expect((error as Error).cause).toMatchObject({ name: 'InvalidThresholdsError' });
  });

  it('rejects a scan interval that is not whole minutes', () => {
    expect(() => build({ scanInterval: Duration.seconds(90) })).toThrow(
      'scanInterval must be a whole number of minutes, got 1 minute 30 seconds',
    );
  });

  it('rejects a scan interval under a minute', () => {
    expect(() => build({ scanInterval: Duration.seconds(0) })).toThrow(
      'scanInterval must be at least 1 minute, got 0 seconds',
    );
  });

  it('rejects a scan interval whose heartbeat window exceeds what an alarm can watch', () => {
    expect(() => build({ scanInterval: Duration.days(5) })).toThrow(
      'scanInterval must be at most 6720 minutes (the heartbeat alarm watches 1.5x the interval and CloudWatch alarms look back at most 7 days), got 5 days',
    );
  });

  it('rejects an event source reserved for AWS', () => {
    expect(() => build({ eventSource: 'aws.acm' })).toThrow("must not start with 'aws.', got 'aws.acm'");
  });

  it('rejects an archive retention that is not whole days', () => {
    expect(() => build({ archiveRetention: Duration.hours(36) })).toThrow(
      'archiveRetention must be a whole number of days (0 keeps events forever), got 1 day 12 hours',
    );
  });

  it('rejects a malformed ops email address', () => {
    expect(() => build({ opsEmailAddresses: ['ops@example.com', 'ops at example.com'] })).toThrow(
      "opsEmailAddresses[1] is not an email address, got 'ops at example.com'",
    );
  });

  it('rejects memory and timeout outside what Lambda allows', () => {
    expect(() => build({ inventoryMemorySizeMb: 64 })).toThrow(
      'inventoryMemorySizeMb must be an integer from 128 to 10240, got 64',
    );
    expect(() => build({ inventoryTimeout: Duration.minutes(20) })).toThrow(
      'inventoryTimeout must be whole seconds from 1 second to 15 minutes, got 20 minutes',
    );
  });
});

describe('heartbeat alarm period', () => {
  it.each([
    [1, 2],
    [5, 8],
    [60, 90],
    [360, 540],
    [1440, 2160],
  ])('is 1.5 x a %i-minute interval rounded up to whole minutes: %i minutes', (interval, expected) => {
    expect(heartbeatPeriod(Duration.minutes(interval)).toMinutes()).toBe(expected);
  });

  it('fits CloudWatch’s 7-day evaluation range at the longest allowed interval', () => {
    expect(MAX_SCAN_INTERVAL_MINUTES).toBe(6720);
    expect(heartbeatPeriod(Duration.minutes(MAX_SCAN_INTERVAL_MINUTES)).toSeconds()).toBe(7 * 24 * 3600);
    expect(() => heartbeatPeriod(Duration.minutes(MAX_SCAN_INTERVAL_MINUTES + 1))).toThrow(
      InvalidWatcherConfigError,
    );
  });
});
