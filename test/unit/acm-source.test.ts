import { Readable } from 'node:stream';
import {
  ACMClient,
  type CertificateSummary,
  DescribeCertificateCommand,
  KeyAlgorithm,
  ListCertificatesCommand,
  ListTagsForCertificateCommand,
} from '@aws-sdk/client-acm';
import { HttpResponse } from '@smithy/core/transport';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../../lambda/core/evaluate';
import { runScan } from '../../lambda/core/scan';
import { AcmScopeReader, ALL_KEY_TYPES, acmScope, PAGE_SIZE } from '../../lambda/sources/acm/acm-source';

const ACCOUNT = '111122223333';

const NOW = new Date('2026-06-15T12:00:00.000Z');
const DAY = 86_400_000;
let acmMock = mockClient(ACMClient);
beforeEach(() => {
  acmMock = mockClient(ACMClient);
});
afterEach(() => acmMock.restore());

const summary = (
  i: number,
  daysLeft: number,
  over: Partial<CertificateSummary> = {},
): CertificateSummary => ({
  CertificateArn: `arn:aws:acm:eu-west-1:111122223333:certificate/${String(i).padStart(8, '0')}`,
  DomainName: `host${i}.example.com`,
  SubjectAlternativeNameSummaries: [`host${i}.example.com`],
  Status: 'ISSUED',
  Type: 'IMPORTED',
  KeyAlgorithm: 'RSA_2048',
  InUse: true,
  RenewalEligibility: 'INELIGIBLE',
  NotBefore: new Date(NOW.getTime() - 100 * DAY),
  NotAfter: new Date(NOW.getTime() + daysLeft * DAY),
  ...over,
});

/** A fake ACM that pages like the real one: NextToken, MaxItems honoured. */
const pagedAcm = (all: CertificateSummary[]) => {
  acmMock.on(ListCertificatesCommand).callsFake((input: { NextToken?: string; MaxItems?: number }) => {
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const size = input.MaxItems ?? 10;
    const end = start + size;
    return {
      CertificateSummaryList: all.slice(start, end),
      NextToken: end < all.length ? String(end) : undefined,
    };
  });
};

describe('AcmScopeReader.list', () => {
  it('reads 2,500 certificates over 3 pages of 1000 with every key type requested', async () => {
    const all = Array.from({ length: 2500 }, (_, i) => summary(i, 100 + i));
    pagedAcm(all);
    const ids: string[] = [];
    for await (const r of new AcmScopeReader(
      acmScope(ACCOUNT, 'eu-west-1'),
      new ACMClient({ region: 'eu-west-1' }),
    ).list())
      ids.push(r.id);

    expect(ids).toHaveLength(2500);
    expect(new Set(ids).size).toBe(2500);
    const calls = acmMock.commandCalls(ListCertificatesCommand);
    expect(calls).toHaveLength(3);
    for (const call of calls) {
      expect(call.args[0].input.MaxItems).toBe(PAGE_SIZE);
      expect(call.args[0].input.Includes?.keyTypes).toEqual(
        expect.arrayContaining(Object.values(KeyAlgorithm)),
      );
      // No status filter: expired, failed and pending certificates are listed too.
      expect(call.args[0].input.CertificateStatuses).toBeUndefined();
    }
    expect(ALL_KEY_TYPES).toContain('EC_secp384r1');
    expect(calls.map((c) => c.args[0].input.NextToken)).toEqual([undefined, '1000', '2000']);
    expect(acmMock.commandCalls(DescribeCertificateCommand)).toHaveLength(0);
  });

  it('maps the summary fields into the record', async () => {
    pagedAcm([
      summary(1, 10, {
        Type: 'AMAZON_ISSUED',
        KeyAlgorithm: 'EC_prime256v1',
        RenewalEligibility: 'ELIGIBLE',
        HasAdditionalSubjectAlternativeNames: true,
      }),
    ]);
    const out = [];
    for await (const r of new AcmScopeReader(
      acmScope(ACCOUNT, 'eu-west-1'),
      new ACMClient({ region: 'eu-west-1' }),
    ).list())
      out.push(r);
    expect(out[0]).toMatchObject({
      source: 'acm',
      region: 'eu-west-1',
      account: '111122223333',
      domain: 'host1.example.com',
      type: 'AMAZON_ISSUED',
      keyAlgorithm: 'EC_prime256v1',
      renewalEligibility: 'ELIGIBLE',
      inUse: true,
      status: 'ISSUED',
      sanCount: 2,
    });
    expect(out[0]?.notAfter?.getTime()).toBe(NOW.getTime() + 10 * DAY);
  });
});

describe('scan over ACM: describe only what is reported', () => {
  it('calls DescribeCertificate only for certificates that will be reported', async () => {
    pagedAcm([summary(1, 200), summary(2, 5), summary(3, 400), summary(4, -3)]);
    acmMock.on(DescribeCertificateCommand).callsFake((input: { CertificateArn: string }) => ({
      Certificate: {
        CertificateArn: input.CertificateArn,
        InUseBy: ['arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/1'],
        Serial: '0a:0b',
        Issuer: 'Example CA',
      },
    }));
    const result = await runScan(
      [new AcmScopeReader(acmScope(ACCOUNT, 'eu-west-1'), new ACMClient({ region: 'eu-west-1' }))],
      {
        scanId: 's1',
        now: NOW,
        thresholds: DEFAULT_THRESHOLDS,
      },
    );
    const described = acmMock
      .commandCalls(DescribeCertificateCommand)
      .map((c) => c.args[0].input.CertificateArn);
    expect(described.sort()).toEqual([summary(2, 0).CertificateArn, summary(4, 0).CertificateArn].sort());
    const reported = result.certificates.filter((c) => c.evaluation.severity !== 'ok');
    expect(reported.map((c) => c.record.inUseBy?.length)).toEqual([1, 1]);
    expect(result.counts).toEqual({ total: 4, ok: 2, warning: 0, critical: 1, expired: 1 });
  });

  it('keeps the summary data when DescribeCertificate fails', async () => {
    pagedAcm([summary(7, 2)]);
    acmMock
      .on(DescribeCertificateCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const result = await runScan(
      [new AcmScopeReader(acmScope(ACCOUNT, 'eu-west-1'), new ACMClient({ region: 'eu-west-1' }))],
      {
        scanId: 's1',
        now: NOW,
        thresholds: DEFAULT_THRESHOLDS,
      },
    );
    expect(result.scopesFailed).toEqual([]);
    expect(result.certificates[0]?.evaluation.severity).toBe('critical');
  });

  it("reads a reported certificate's tags for routing, and keeps its details when the tags cannot be read", async () => {
    pagedAcm([summary(7, 2), summary(8, 2)]);
    acmMock.on(DescribeCertificateCommand).callsFake((input: { CertificateArn: string }) => ({
      Certificate: { CertificateArn: input.CertificateArn, Issuer: 'Example CA' },
    }));
    acmMock
      .on(ListTagsForCertificateCommand, { CertificateArn: summary(7, 2).CertificateArn })
      .resolves({ Tags: [{ Key: 'team', Value: 'payments' }, { Key: 'empty' }] })
      .on(ListTagsForCertificateCommand, { CertificateArn: summary(8, 2).CertificateArn })
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const result = await runScan(
      [new AcmScopeReader(acmScope(ACCOUNT, 'eu-west-1'), new ACMClient({ region: 'eu-west-1' }))],
      { scanId: 's1', now: NOW, thresholds: DEFAULT_THRESHOLDS },
    );
    const byArn = new Map(result.certificates.map((c) => [c.record.id, c.record]));
    expect(byArn.get(summary(7, 2).CertificateArn ?? '')).toMatchObject({
      issuer: 'Example CA',
      tags: { team: 'payments', empty: '' },
    });
    const untagged = byArn.get(summary(8, 2).CertificateArn ?? '');
    expect(untagged?.issuer).toBe('Example CA');
    expect(untagged?.tags).toBeUndefined();
  });

  it('retries a throttled ListCertificates with backoff and then succeeds (real SDK retry middleware)', async () => {
    // aws-sdk-client-mock replaces send() and skips retries, so this test fakes the HTTP layer instead.
    acmMock.restore();
    const bodies = [
      { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } },
      { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } },
      {
        status: 200,
        body: {
          CertificateSummaryList: [
            { ...summary(1, 3), NotAfter: (NOW.getTime() + 3 * DAY) / 1000, NotBefore: 0 },
          ],
        },
      },
    ];
    let calls = 0;
    const requestHandler = {
      handle: async (request: { headers: Record<string, string> }) => {
        const isList = request.headers['x-amz-target']?.endsWith('.ListCertificates');
        const next = isList
          ? bodies[Math.min(calls++, bodies.length - 1)]!
          : { status: 200, body: { Certificate: {} } };
        return {
          response: new HttpResponse({
            statusCode: next.status,
            headers: { 'content-type': 'application/x-amz-json-1.1' },
            body: Readable.from([Buffer.from(JSON.stringify(next.body))]),
          }),
        };
      },
    };
    const client = new ACMClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      retryMode: 'adaptive',
      maxAttempts: 4,
      requestHandler,
    });
    const result = await runScan([new AcmScopeReader(acmScope(ACCOUNT, 'eu-west-1'), client)], {
      scanId: 's1',
      now: NOW,
      thresholds: DEFAULT_THRESHOLDS,
    });
    expect(result.scopesFailed).toEqual([]);
    expect(result.counts.critical).toBe(1);
    expect(calls).toBe(3);
  });

  it('gives up on a region that stays throttled and reports it', async () => {
    acmMock.restore();
    let calls = 0;
    const requestHandler = {
      handle: async () => {
        calls++;
        return {
          response: new HttpResponse({
            statusCode: 400,
            headers: { 'content-type': 'application/x-amz-json-1.1' },
            body: Readable.from([
              Buffer.from(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' })),
            ]),
          }),
        };
      },
    };
    const client = new ACMClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 2,
      requestHandler,
    });
    const result = await runScan([new AcmScopeReader(acmScope(ACCOUNT, 'eu-west-1'), client)], {
      scanId: 's1',
      now: NOW,
      thresholds: DEFAULT_THRESHOLDS,
    });
    expect(result.scopesFailed).toEqual([
      { scope: acmScope(ACCOUNT, 'eu-west-1'), code: 'ThrottlingException', message: 'Rate exceeded' },
    ]);
    expect(calls).toBe(2);
  });

  it('one region failing is reported and does not stop the others', async () => {
    const okClient = new ACMClient({ region: 'eu-west-1' });
    const brokenClient = new ACMClient({ region: 'ap-south-2' });
    mockClient(okClient)
      .on(ListCertificatesCommand)
      .resolves({ CertificateSummaryList: [summary(1, 20)] });
    mockClient(brokenClient)
      .on(ListCertificatesCommand)
      .rejects(
        Object.assign(new Error('The security token included in the request is invalid'), {
          name: 'UnrecognizedClientException',
        }),
      );
    const result = await runScan(
      [
        new AcmScopeReader(acmScope(ACCOUNT, 'eu-west-1'), okClient),
        new AcmScopeReader(acmScope(ACCOUNT, 'ap-south-2'), brokenClient),
      ],
      { scanId: 's1', now: NOW, thresholds: DEFAULT_THRESHOLDS },
    );
    expect(result.scopesScanned.map((s) => s.key)).toEqual([`acm#${ACCOUNT}#eu-west-1`]);
    expect(result.scopesFailed).toEqual([
      {
        scope: acmScope(ACCOUNT, 'ap-south-2'),
        code: 'UnrecognizedClientException',
        message: 'The security token included in the request is invalid',
      },
    ]);
    expect(result.counts).toMatchObject({ total: 1, warning: 1 });
  });

  it('zero certificates is a clean, empty scan', async () => {
    acmMock.on(ListCertificatesCommand).resolves({ CertificateSummaryList: [] });
    const result = await runScan(
      [new AcmScopeReader(acmScope(ACCOUNT, 'eu-west-1'), new ACMClient({ region: 'eu-west-1' }))],
      {
        scanId: 's1',
        now: NOW,
        thresholds: DEFAULT_THRESHOLDS,
      },
    );
    expect(result).toMatchObject({
      scopesScanned: [acmScope(ACCOUNT, 'eu-west-1')],
      scopesFailed: [],
      counts: { total: 0 },
    });
    expect(result.scopesScanned[0]?.key).toBe('acm#111122223333#eu-west-1');
  });

  it('a certificate pending validation (no NotAfter) is listed, ok, and not described', async () => {
    acmMock.on(ListCertificatesCommand).resolves({
      CertificateSummaryList: [
        summary(9, 0, {
          NotAfter: undefined,
          NotBefore: undefined,
          Status: 'PENDING_VALIDATION',
          Type: 'AMAZON_ISSUED',
        }),
      ],
    });
    const result = await runScan(
      [new AcmScopeReader(acmScope(ACCOUNT, 'eu-west-1'), new ACMClient({ region: 'eu-west-1' }))],
      {
        scanId: 's1',
        now: NOW,
        thresholds: DEFAULT_THRESHOLDS,
      },
    );
    expect(result.certificates[0]?.evaluation).toMatchObject({ severity: 'ok', daysRemaining: null });
    expect(acmMock.commandCalls(DescribeCertificateCommand)).toHaveLength(0);
  });
});
