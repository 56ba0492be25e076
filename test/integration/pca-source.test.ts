/**
 * Private CA end to end on the local AWS: CAs created in moto with CA certificates signed here
 * (moto ignores the validity a CA asks for), listed by the source built through the production
 * registry, run through the inventory handler with the lifecycle state table, delivered by a bus
 * rule to SQS and validated against the JSON Schemas; then `cert-watch scan pca --json`.
 */
import { PassThrough } from 'node:stream';
import {
  ACMPCAClient,
  GetCertificateAuthorityCertificateCommand,
  ListCertificateAuthoritiesCommand,
  UpdateCertificateAuthorityCommand,
} from '@aws-sdk/client-acm-pca';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScanSource } from '../../bin/cli/scan';
import { PCA_DEFAULT_THRESHOLDS } from '../../lambda/contracts/pca-options';
import { wholeDaysUntil } from '../../lambda/core/time';
import type { makeInventoryHandler } from '../../lambda/handlers/make-inventory-handler';
import { buildSources } from '../../lambda/sources/registry';
import { type BusCapture, captureBus, type ReceivedEvent } from '../support/bus-capture';
import { daysFrom } from '../support/certs';
import { inventoryOnMoto } from '../support/inventory-on-moto';
import { MOTO_ACCOUNT, type Moto, startMoto } from '../support/moto';
import { createPendingCa, type SeededCa, seedCa } from '../support/pca-seed';
import { assertValidEvent } from '../support/schemas';
import { stateTableInputFromTemplate, watcherEventPattern } from '../support/template';

const REGIONS = ['eu-west-1', 'us-east-1'];
const HOME = 'us-east-1';
const BUS = 'pca-watcher-bus';
const TABLE = 'pca-watcher-state';

let moto: Moto;
let ca: Record<'root' | 'sub60' | 'sub5' | 'disabled' | 'expired', SeededCa>;
let pendingArn: string;
let capture: BusCapture;
const runs: ReceivedEvent[][] = [];
let firstSummary: Awaited<ReturnType<ReturnType<typeof makeInventoryHandler>>>;

const certificateEvents = (events: readonly ReceivedEvent[]) =>
  events.filter((e) => e['detail-type'] !== 'Scan Completed');
const eventFor = (events: readonly ReceivedEvent[], arn: string) =>
  certificateEvents(events).find((e) => (e.detail.certificate as { id: string }).id === arn);

beforeAll(async () => {
  moto = await startMoto();
  const pca = (region: string) => new ACMPCAClient(moto.clientConfig(region));
  const now = new Date();
  const eu = pca('eu-west-1');
  const root = await seedCa(eu, {
    commonName: 'Example Root CA',
    type: 'ROOT',
    notBefore: daysFrom(now, -700),
    notAfter: daysFrom(now, 3000),
  });
  const sub = (commonName: string, days: number, region = eu) =>
    seedCa(region, {
      commonName,
      type: 'SUBORDINATE',
      notBefore: daysFrom(now, -700),
      notAfter: daysFrom(now, days),
      signer: root.signer,
    });
  ca = {
    root,
    sub60: await sub('Issuing CA 60', 60),
    sub5: await sub('Issuing CA 5', 5),
    disabled: await sub('Disabled CA', 100),
    expired: await sub('Old Issuing CA', -2, pca('us-east-1')),
  };
  pendingArn = await createPendingCa(eu, 'Pending CA', 'SUBORDINATE');
  // Disabled CAs are still graded: enabled again, they issue again.
  await eu.send(
    new UpdateCertificateAuthorityCommand({ CertificateAuthorityArn: ca.disabled.arn, Status: 'DISABLED' }),
  );

  await new DynamoDBClient(moto.clientConfig(HOME)).send(
    new CreateTableCommand(stateTableInputFromTemplate(TABLE)),
  );
  capture = await captureBus(moto.clientConfig(HOME), BUS, watcherEventPattern());
  // Built from its setting through the production registry, as the Lambda builds it.
  const scan = (id: string) =>
    inventoryOnMoto(moto, {
      regions: REGIONS,
      home: HOME,
      busName: BUS,
      stateTable: TABLE,
      sources: buildSources([{ kind: 'pca', regions: REGIONS }], {
        clientOverrides: (region) => moto.clientConfig(region),
      }),
    })({ id });
  firstSummary = await scan('pca-scan-1');
  runs.push(await capture.receive(5));
  await scan('pca-scan-2');
  runs.push(await capture.receive(1, 3_000));
});

afterAll(async () => moto?.stop());

describe('moto as the Private CA it plays', () => {
  it('lists the imported validity as NotBefore/NotAfter, pages, and reports every CA as short-lived mode', async () => {
    const eu = new ACMPCAClient(moto.clientConfig('eu-west-1'));
    const first = await eu.send(new ListCertificateAuthoritiesCommand({ MaxResults: 2 }));
    expect(first.CertificateAuthorities).toHaveLength(2);
    expect(first.NextToken).toBeTruthy();
    const all = (await eu.send(new ListCertificateAuthoritiesCommand({}))).CertificateAuthorities ?? [];
    const sub5 = all.find((c) => c.Arn === ca.sub5.arn);
    expect(sub5?.NotAfter?.toISOString()).toBe(ca.sub5.notAfter.toISOString());
    // moto ignores UsageMode (GENERAL_PURPOSE was asked for): the gap unit tests cover.
    expect(new Set(all.map((c) => c.UsageMode))).toEqual(new Set(['SHORT_LIVED_CERTIFICATE']));
    expect(all.find((c) => c.Arn === pendingArn)).toMatchObject({ Status: 'PENDING_CERTIFICATE' });
    expect(all.find((c) => c.Arn === pendingArn)?.NotAfter).toBeUndefined();
  });

  it('refuses GetCertificateAuthorityCertificate for a CA that is not ACTIVE', async () => {
    const eu = new ACMPCAClient(moto.clientConfig('eu-west-1'));
    await expect(
      eu.send(new GetCertificateAuthorityCertificateCommand({ CertificateAuthorityArn: ca.disabled.arn })),
    ).rejects.toMatchObject({ name: 'InvalidStateException' });
  });
});

describe('Private CAs through the inventory, the lifecycle and the bus', () => {
  it('announces the CAs inside the CA tiers once (a 60-day CA too), from pca#<account>#<region> scopes', () => {
    const events = certificateEvents(runs[0] ?? []);
    expect(events.map((e) => (e.detail.certificate as { domain: string }).domain).sort()).toEqual([
      'Disabled CA',
      'Issuing CA 5',
      'Issuing CA 60',
      'Old Issuing CA',
    ]);
    for (const e of runs[0] ?? []) assertValidEvent(e['detail-type'], e.detail);
    const heartbeat = (runs[0] ?? []).find((e) => e['detail-type'] === 'Scan Completed');
    expect(heartbeat?.detail).toMatchObject({
      source: 'pca',
      scopesScanned: REGIONS.map((r) => `pca#${MOTO_ACCOUNT}#${r}`),
      scopesFailed: [],
      counts: { total: 6, ok: 2, warning: 2, critical: 1, expired: 1 },
      eventsPublished: 4,
    });
    expect(firstSummary.counts.total).toBe(6);
  });

  it('the second scan announces nothing new: the lifecycle judges by the same CA tiers as the scan', () => {
    expect(certificateEvents(runs[1] ?? [])).toEqual([]);
    expect(runs[1]?.map((e) => e['detail-type'])).toEqual(['Scan Completed']);
  });

  it("carries the CA's real certificate, its chain, its status and its tiers", () => {
    const event = eventFor(runs[0] ?? [], ca.sub60.arn);
    const observedAt = new Date(String(event?.detail.observedAt));
    expect(event?.['detail-type']).toBe('Certificate Expiring');
    expect(event?.resources).toEqual([ca.sub60.arn]);
    expect(event?.detail.certificate).toMatchObject({
      source: 'pca',
      id: ca.sub60.arn,
      region: 'eu-west-1',
      account: MOTO_ACCOUNT,
      domain: 'Issuing CA 60',
      subject: 'CN=Issuing CA 60',
      issuer: 'CN=Example Root CA',
      fingerprintSha256: ca.sub60.fingerprintSha256,
      notAfter: ca.sub60.notAfter.toISOString(),
      type: 'IMPORTED',
      status: 'ACTIVE',
      labels: {
        caType: 'SUBORDINATE',
        chainLength: '1',
        chainNotAfter: ca.root.signer.cert.notAfter.toISOString(),
      },
      thresholds: { tiersDays: [...PCA_DEFAULT_THRESHOLDS.tiersDays], criticalDays: 30 },
    });
    expect(event?.detail.evaluation).toMatchObject({
      severity: 'warning',
      tierDays: 90,
      daysRemaining: wholeDaysUntil(ca.sub60.notAfter, observedAt),
      renewsAutomatically: false,
    });
    expect(event?.detail.lifecycle).toMatchObject({
      transition: 'tier-entered',
      tierDays: 90,
      thresholdBasis: 'days',
    });
  });

  it('says when issued certificates are capped by the CA expiry (moto: short-lived mode, 7-day issuance)', () => {
    const capped = eventFor(runs[0] ?? [], ca.sub5.arn);
    expect(capped?.detail.evaluation).toMatchObject({ severity: 'critical', tierDays: 30 });
    expect((capped?.detail.certificate as { renewalReason?: string } | undefined)?.renewalReason).toMatch(
      /^ISSUANCE_CAPPED: issued certificates are capped by the CA's expiry .*7-day validity/,
    );
    const sixty = eventFor(runs[0] ?? [], ca.sub60.arn)?.detail.certificate as
      | { renewalReason?: string }
      | undefined;
    expect(sixty).toBeDefined();
    expect(sixty?.renewalReason).toBeUndefined();
  });

  it('an expired CA in the other region is Certificate Expired', () => {
    const expired = eventFor(runs[0] ?? [], ca.expired.arn);
    expect(expired?.['detail-type']).toBe('Certificate Expired');
    expect(expired?.detail.certificate).toMatchObject({ region: 'us-east-1', status: 'ACTIVE' });
  });

  it('a disabled CA is still graded; moto refuses its certificate, so the listing data is reported', () => {
    const disabled = eventFor(runs[0] ?? [], ca.disabled.arn);
    expect(disabled?.detail.evaluation).toMatchObject({ severity: 'warning', tierDays: 180 });
    expect(disabled?.detail.certificate).toMatchObject({
      status: 'DISABLED',
      notAfter: ca.disabled.notAfter.toISOString(),
    });
    expect(
      (disabled?.detail.certificate as { fingerprintSha256?: string } | undefined)?.fingerprintSha256,
    ).toBeUndefined();
  });

  it('no private key material in any event', () => {
    const text = JSON.stringify(runs.flat());
    for (const signer of [ca.root.signer]) {
      const body = signer.keyPem.replace(/-----[A-Z ]+-----/g, '').replace(/\s/g, '');
      expect(text).not.toContain(body.slice(0, 40));
      expect(text).not.toContain('PRIVATE KEY');
    }
  });
});

describe('cert-watch scan pca', () => {
  it('prints the shared JSON contract for every CA of both regions and exits 2 for the expired one', async () => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    const code = await runScanSource(
      'pca',
      ['--regions', REGIONS.join(','), '--json'],
      { stdout, stderr: new PassThrough(), env: {} },
      {
        context: { clientOverrides: (region) => moto.clientConfig(region) },
        account: async () => MOTO_ACCOUNT,
      },
    );
    expect(code).toBe(2);
    const json = JSON.parse(out) as { certificates: Record<string, unknown>[]; errors: unknown[] };
    expect(json.errors).toEqual([]);
    expect(json.certificates).toHaveLength(6);
    const by = Object.fromEntries(json.certificates.map((c) => [c.id, c]));
    expect(by[ca.root.arn]).toMatchObject({
      source: 'pca',
      region: 'eu-west-1',
      severity: 'ok',
      status: 'ACTIVE',
    });
    expect(by[ca.sub60.arn]).toMatchObject({
      severity: 'warning',
      tierDays: 90,
      type: 'IMPORTED',
      status: 'ACTIVE',
    });
    expect(by[ca.disabled.arn]).toMatchObject({ severity: 'warning', tierDays: 180, status: 'DISABLED' });
    expect(by[ca.sub5.arn]).toMatchObject({ severity: 'critical', tierDays: 30 });
    expect(by[ca.expired.arn]).toMatchObject({ severity: 'expired', region: 'us-east-1' });
    expect(by[pendingArn]).toMatchObject({
      severity: 'ok',
      status: 'PENDING_CERTIFICATE',
      notAfter: null,
      daysRemaining: null,
    });
  });
});
