/**
 * `cert-watch coverage` against the state table the deployed fan-out writes: the planner, the ACM
 * scan worker and the finalizer on moto (scanFanoutOnMoto) over an organization with a member
 * that has no member role (ROLE_NOT_ASSUMED every period), a suspended account and an opt-in
 * region one member has not enabled; then the command reads the table as a user would.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CoverageRow, type PeriodView, runCoverage } from '../../bin/cli/coverage';
import { DEFAULT_MEMBER_ROLE_NAME } from '../../lambda/contracts/organization';
import { DynamoDbCoverageStore } from '../../lambda/sinks/state/coverage-store';
import { captureCliIo } from '../support/cli-io';
import { MOTO_ACCOUNT, type Moto, startMoto } from '../support/moto';
import {
  type SeededOrganization,
  scanFanoutOnMoto,
  seedOrganization,
  startAccountApi,
} from '../support/organization-on-moto';

const HOME = 'eu-west-1';
const REGIONS = ['eu-west-1', 'af-south-1'];

describe('cert-watch coverage (moto)', () => {
  let moto: Moto;
  let org: SeededOrganization;
  let accountApi: Awaited<ReturnType<typeof startAccountApi>>;
  let fanout: Awaited<ReturnType<typeof scanFanoutOnMoto>>;
  const id = (name: string) => org.accounts[name] ?? '';

  beforeAll(async () => {
    moto = await startMoto({ strictRoleNames: [DEFAULT_MEMBER_ROLE_NAME] });
    org = await seedOrganization(moto, [
      { name: 'payments', ou: 'Payments' },
      { name: 'platform', ou: 'Platform' },
      { name: 'old-sandbox', ou: 'Platform', suspended: true },
      { name: 'no-role', ou: 'Platform', memberRole: false },
    ]);
    accountApi = await startAccountApi({ [id('platform')]: ['af-south-1'] }, REGIONS);
    fanout = await scanFanoutOnMoto(moto, {
      home: HOME,
      name: 'cov',
      sources: [{ kind: 'acm', regions: REGIONS }],
      accounts: { mode: 'organization' },
      accountApiEndpoint: accountApi.endpoint,
    });
  }, 120_000);

  afterAll(async () => {
    await accountApi?.close();
    await moto?.stop();
  });

  const coverage = async (args: string[] = []) => {
    const t = captureCliIo({ CERT_WATCH_TABLE: fanout.tableName });
    const code = await runCoverage(args, t.io, {
      storeFor: (tableName) =>
        new DynamoDbCoverageStore({ tableName }, new DynamoDBClient(moto.clientConfig(HOME))),
    });
    return { code, out: t.out(), err: t.err() };
  };
  const json = (out: string) => JSON.parse(out) as { period: PeriodView | null; scopes: CoverageRow[] };

  it('before the first period: says so and exits 3', async () => {
    const r = await coverage();
    expect(r.code).toBe(3);
    expect(r.out).toContain(`No scan period recorded in ${fanout.tableName} yet.`);
  });

  it('after two periods: the latest period, every scope failures first with its periods missed; exits 1', async () => {
    for (const period of ['period-1', 'period-2']) {
      await fanout.plan({ id: period });
      expect(await fanout.drain()).toMatchObject({ invocations: 8, failures: 0 });
    }
    const r = await coverage(['--json']);
    expect(r.code).toBe(1);
    const { period, scopes } = json(r.out);
    expect(period).toMatchObject({
      scanId: 'period-2',
      state: 'finalized',
      expected: 8,
      scanned: 5,
      failed: 2,
      skipped: 1,
      pending: 0,
    });
    expect(period?.finalizedAt).toEqual(expect.any(String));
    expect(
      scopes.map((s) => [s.scope, s.accountName, s.region, s.status, s.reason, s.periodsMissed]),
    ).toEqual([
      [`acm#${id('no-role')}#af-south-1`, 'no-role', 'af-south-1', 'failed', 'ROLE_NOT_ASSUMED', 2],
      [`acm#${id('no-role')}#eu-west-1`, 'no-role', 'eu-west-1', 'failed', 'ROLE_NOT_ASSUMED', 2],
      [`acm#${id('platform')}#af-south-1`, 'platform', 'af-south-1', 'skipped', 'REGION_NOT_ENABLED', 0],
      ...[
        // moto names the management account "master".
        [`acm#${MOTO_ACCOUNT}#af-south-1`, 'master', 'af-south-1'],
        [`acm#${MOTO_ACCOUNT}#eu-west-1`, 'master', 'eu-west-1'],
        [`acm#${id('payments')}#af-south-1`, 'payments', 'af-south-1'],
        [`acm#${id('payments')}#eu-west-1`, 'payments', 'eu-west-1'],
        [`acm#${id('platform')}#eu-west-1`, 'platform', 'eu-west-1'],
      ]
        .sort((a, b) => String(a[0]).localeCompare(String(b[0])))
        .map(([scope, name, region]) => [scope, name, region, 'scanned', null, 0]),
    ]);
    const noRole = scopes[0];
    expect(noRole).toMatchObject({ account: id('no-role'), lastScannedAt: null, inLatestPeriod: true });
    expect(noRole?.message).toContain(
      `could not assume arn:aws:iam::${id('no-role')}:role/${DEFAULT_MEMBER_ROLE_NAME}`,
    );
    expect(scopes.filter((s) => s.status === 'scanned').every((s) => s.lastScannedAt !== null)).toBe(true);
    expect(scopes.some((s) => s.account === id('old-sandbox'))).toBe(false);
  }, 120_000);

  it('--gaps lists only the scopes that missed a period; the table says when the period ran', async () => {
    const gaps = await coverage(['--gaps', '--json']);
    expect(json(gaps.out).scopes.map((s) => s.scope)).toEqual([
      `acm#${id('no-role')}#af-south-1`,
      `acm#${id('no-role')}#eu-west-1`,
    ]);
    const table = await coverage(['--gaps']);
    expect(table.code).toBe(1);
    const lines = table.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Latest period period-2 at \S+: finalized \S+$/);
    expect(lines[1]).toBe('  8 scope(s) expected, 5 scanned, 2 failed, 1 skipped');
    expect(lines[3]).toMatch(
      /^SCOPE +ACCOUNT +ACCOUNT NAME +REGION +STATUS +REASON +LAST SCANNED \(UTC\) +MISSED$/,
    );
    expect(lines[4]).toMatch(
      new RegExp(
        `^acm#${id('no-role')}#af-south-1 +${id('no-role')} +no-role +af-south-1 +failed +ROLE_NOT_ASSUMED +never +2$`,
      ),
    );
    expect(lines).toHaveLength(6);
  });

  it('a period still running: its scopes pending, the last failures still first with their reason', async () => {
    await fanout.plan({ id: 'period-3' });
    const r = await coverage(['--json']);
    const { period, scopes } = json(r.out);
    expect(period).toMatchObject({
      scanId: 'period-3',
      state: 'running',
      finalizedAt: null,
      expected: 8,
      pending: 8,
    });
    expect(scopes.every((s) => s.status === 'pending')).toBe(true);
    expect(scopes.slice(0, 2).map((s) => [s.account, s.reason, s.periodsMissed])).toEqual([
      [id('no-role'), 'ROLE_NOT_ASSUMED', 2],
      [id('no-role'), 'ROLE_NOT_ASSUMED', 2],
    ]);
    expect((await coverage()).out).toContain('still running (8 scope(s) pending)');
    await fanout.drain();
  }, 120_000);
});
