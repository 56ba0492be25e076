import { describe, expect, it } from 'vitest';
import type { CertificateRecord } from '../../lambda/core/certificate';
import { DEFAULT_THRESHOLDS } from '../../lambda/core/evaluate';
import type { ScanResult } from '../../lambda/core/scan';
import { lifecycleConfigFromEnv } from '../../lambda/lifecycle/config-from-env';
import {
  lifecycleScanFromInventory,
  lifecycleScanFromProbeResults,
} from '../../lambda/lifecycle/observations';
import { acmScope } from '../../lambda/sources/acm/acm-source';
import type { ProbeResult } from '../../lambda/sources/endpoint/types';

const acm: CertificateRecord = {
  source: 'acm',
  id: 'arn:aws:acm:eu-west-1:111122223333:certificate/a',
  region: 'eu-west-1',
  domain: 'a.example',
  sans: [],
  type: 'IMPORTED',
  notAfter: new Date('2027-01-01T00:00:00Z'),
};

const probe = (over: Partial<ProbeResult>): ProbeResult => ({
  target: 'www.example:443',
  host: 'www.example',
  port: 443,
  address: '10.0.0.1',
  servername: 'www.example',
  starttls: null,
  status: 'ok',
  daysRemaining: 100,
  notAfter: '2027-01-01T00:00:00.000Z',
  tlsVersion: 'TLSv1.3',
  leaf: null,
  chain: [],
  earliestExpiry: null,
  problems: [],
  error: null,
  durationMs: 5,
  ...over,
});

describe('observations', () => {
  it('maps an inventory scan with the scopes the sources gave: listed complete, failed failed', () => {
    const eu = acmScope('111122223333', 'eu-west-1');
    const us = acmScope('111122223333', 'us-east-1');
    // A record of another kind listed under a scope: its scope is the listing's, never guessed from the record.
    const other = { ...acm, source: 'vault-test', id: 'vault://x', region: undefined };
    const result = {
      scanId: 's',
      scopesScanned: [eu],
      scopesFailed: [{ scope: us, code: 'ThrottlingException', message: 'slow down' }],
      certificates: [
        { record: acm, scope: eu.key },
        { record: other, scope: 'vault-test#111122223333' },
      ],
    } as unknown as ScanResult;
    expect(lifecycleScanFromInventory(result)).toEqual({
      scanId: 's',
      observations: [
        { location: acm.id, scope: 'acm#111122223333#eu-west-1', record: acm },
        { location: 'vault://x', scope: 'vault-test#111122223333', record: other },
      ],
      completeScopes: ['acm#111122223333#eu-west-1'],
      failedScopes: [
        {
          scope: 'acm#111122223333#us-east-1',
          error: { code: 'SCOPE_NOT_LISTED', message: 'us-east-1: ThrottlingException: slow down' },
        },
      ],
    });
  });

  it('maps probe results: failed handshakes are unreadable observations, unresolved names failed scopes observed at host:port@', () => {
    const record = { ...acm, source: 'endpoint' as const, id: 'www.example:443@10.0.0.1' };
    const scan = lifecycleScanFromProbeResults('s', [
      probe({ record }),
      probe({
        address: '10.0.0.2',
        status: 'error',
        error: { code: 'HANDSHAKE_FAILED', message: 'alert 40' },
      }),
      probe({
        target: 'gone.example:443',
        host: 'gone.example',
        address: null,
        status: 'error',
        error: { code: 'DNS_FAILURE', message: 'ENOTFOUND' },
      }),
    ] as ProbeResult[]);
    const endpoint = (address: string | null, host = 'www.example') =>
      expect.objectContaining({ target: `${host}:443`, host, port: 443, address });
    expect(scan.observations).toEqual([
      {
        location: record.id,
        scope: 'endpoint#www.example:443',
        record,
        problems: [],
        error: undefined,
        endpoint: endpoint('10.0.0.1'),
      },
      {
        location: 'www.example:443@10.0.0.2',
        scope: 'endpoint#www.example:443',
        record: undefined,
        problems: [],
        error: { code: 'HANDSHAKE_FAILED', message: 'alert 40' },
        endpoint: endpoint('10.0.0.2'),
      },
      // The path's first expiry tracked there (if any) is judged on what was last read.
      {
        location: 'www.example:443#chain@10.0.0.2',
        scope: 'endpoint#www.example:443',
        record: undefined,
        problems: [],
        error: { code: 'HANDSHAKE_FAILED', message: 'alert 40' },
      },
      {
        location: 'gone.example:443@',
        scope: 'endpoint#gone.example:443',
        error: { code: 'DNS_FAILURE', message: 'ENOTFOUND' },
        endpoint: endpoint(null, 'gone.example'),
      },
    ]);
    expect(scan.completeScopes).toEqual(['endpoint#www.example:443']);
    expect(scan.failedScopes).toEqual([
      {
        scope: 'endpoint#gone.example:443',
        error: { code: 'NAME_NOT_RESOLVED', message: 'DNS_FAILURE: ENOTFOUND' },
      },
    ]);
  });
});

describe('lifecycleConfigFromEnv', () => {
  it('reads the options it is given and keeps the defaults for the rest', () => {
    const c = lifecycleConfigFromEnv(
      { REMOVE_AFTER_MISSING_SCANS: '5', MANAGED_ALERT_DELAY_DAYS: '16' },
      DEFAULT_THRESHOLDS,
    );
    expect(c).toMatchObject({ removeAfterMissingScans: 5, managedAlertDelayDays: 16, shortLivedMaxDays: 60 });
  });

  it('names the variable of a bad value', () => {
    expect(() => lifecycleConfigFromEnv({ REMOVE_AFTER_MISSING_SCANS: '0' }, DEFAULT_THRESHOLDS)).toThrow(
      /REMOVE_AFTER_MISSING_SCANS/,
    );
    expect(() => lifecycleConfigFromEnv({ SHORT_LIVED_MAX_DAYS: 'soon' }, DEFAULT_THRESHOLDS)).toThrow(
      /SHORT_LIVED_MAX_DAYS/,
    );
  });
});
