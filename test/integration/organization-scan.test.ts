/**
 * Every account of an organization, on the local AWS: the planner reads the organization from
 * moto's Organizations, enqueues one unit per (account, region, source), the ACM worker assumes
 * the member role in each account (moto isolates accounts by the assumed role's credentials) and
 * the period ends with heartbeats that prove coverage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MEMBER_ROLE_NAME } from '../../lambda/contracts/organization';
import { seedAcm } from '../support/acm-seed';
import { MOTO_ACCOUNT, type Moto, startMoto } from '../support/moto';
import {
  acmIn,
  type SeededOrganization,
  scanFanoutOnMoto,
  seedOrganization,
  startAccountApi,
  TWO_TEAMS_ORGANIZATION,
} from '../support/organization-on-moto';
import { assertValidEvent } from '../support/schemas';

const REGIONS = ['eu-west-1', 'af-south-1'];

describe('scan fan-out over an organization (moto)', () => {
  let moto: Moto;
  let org: SeededOrganization;
  let accountApi: Awaited<ReturnType<typeof startAccountApi>>;

  beforeAll(async () => {
    moto = await startMoto({ strictRoleNames: [DEFAULT_MEMBER_ROLE_NAME] });
    org = await seedOrganization(moto, TWO_TEAMS_ORGANIZATION);
    const a = org.accounts;
    // Each member holds its own certificates; the same names in two accounts stay apart.
    for (const [name, days] of [
      ['payments-prod', 5.5],
      ['payments-dev', 200],
      ['platform', 20.5],
    ] as const) {
      const acm = await acmIn(moto, a[name] ?? '', 'eu-west-1');
      await seedAcm(
        () => acm,
        [{ region: 'eu-west-1', name: `${name}.example.com`, days, key: { kind: 'ec', curve: 'P-256' } }],
      );
    }
    // af-south-1 is an opt-in region: payments-dev has not enabled it.
    accountApi = await startAccountApi({ [a['payments-dev'] ?? '']: ['af-south-1'] }, [
      'eu-west-1',
      'af-south-1',
    ]);
  }, 120_000);

  afterAll(async () => {
    await accountApi?.close();
    await moto?.stop();
  });

  it('scans every active account, skips a suspended one and a region it has not enabled, and proves it in the heartbeat', async () => {
    const run = await scanFanoutOnMoto(moto, {
      home: 'eu-west-1',
      name: 'org1',
      sources: [{ kind: 'acm', regions: REGIONS }],
      accounts: { mode: 'organization' },
      accountApiEndpoint: accountApi.endpoint,
    });
    const plan = await run.plan({ id: 'period-1' });
    const a = org.accounts;
    // The management account and 4 members are in the organization; the suspended one is not scanned.
    expect(plan.accountsSkipped).toEqual([{ account: a['old-sandbox'], reason: 'SUSPENDED' }]);
    expect(plan.accounts).toBe(5);
    expect(plan.units).toBe(10);
    const drained = await run.drain();
    expect(drained).toMatchObject({ invocations: 10, failures: 0 });

    const events = await run.capture.receive(4, 20_000);
    for (const e of events) assertValidEvent(e['detail-type'], e.detail);
    const expiring = events.filter((e) => e['detail-type'] === 'Certificate Expiring');
    const byAccount = Object.fromEntries(
      expiring.map((e) => [
        (e.detail.certificate as { account: string }).account,
        (e.detail.certificate as { domain: string }).domain,
      ]),
    );
    expect(byAccount).toEqual({
      [a['payments-prod'] ?? '']: 'payments-prod.example.com',
      [a.platform ?? '']: 'platform.example.com',
    });
    // Each event names its owner: the account's name and OU path from Organizations, the certificate's tags.
    const prod = expiring.find(
      (e) => (e.detail.certificate as { account: string }).account === a['payments-prod'],
    );
    expect(prod?.detail.certificate).toMatchObject({
      accountName: 'payments-prod',
      ouPath: ['Payments'],
      tags: { 'seeded-by': 'cert-expiry-watcher' },
    });
    const heartbeat = events.find((e) => e['detail-type'] === 'Scan Completed');
    expect(heartbeat?.detail).toMatchObject({
      scanId: 'period-1',
      source: 'acm',
      coverage: { expected: 10, scanned: 7, failed: 2, skipped: 1, accounts: 5 },
      scopesSkipped: [{ scope: `acm#${a['payments-dev']}#af-south-1`, code: 'REGION_NOT_ENABLED' }],
    });
    const failed = ((heartbeat?.detail.scopesFailed ?? []) as { scope: string; code: string }[]).map((f) => [
      f.scope,
      f.code,
    ]);
    expect(failed.sort()).toEqual([
      [`acm#${a['no-role']}#af-south-1`, 'ROLE_NOT_ASSUMED'],
      [`acm#${a['no-role']}#eu-west-1`, 'ROLE_NOT_ASSUMED'],
    ]);
    expect(((heartbeat?.detail.scopesScanned ?? []) as string[]).sort()).toEqual(
      [
        `acm#${MOTO_ACCOUNT}#eu-west-1`,
        `acm#${MOTO_ACCOUNT}#af-south-1`,
        `acm#${a['payments-prod']}#eu-west-1`,
        `acm#${a['payments-prod']}#af-south-1`,
        `acm#${a['payments-dev']}#eu-west-1`,
        `acm#${a.platform}#eu-west-1`,
        `acm#${a.platform}#af-south-1`,
      ].sort(),
    );
  }, 120_000);
});
