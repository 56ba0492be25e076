/**
 * `cert-watch scan acm --org | --accounts` over an organization on the local AWS: moto's
 * Organizations (2 OUs, a suspended account, an account without the member role, which moto then
 * refuses to assume as AWS does), each member's own ACM certificates (moto isolates accounts by
 * the assumed role's credentials), and the Account Management API peer for an opt-in region one
 * account has not enabled. In-process with the emulator's endpoint, and once as a child process
 * through the standard credential chain.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOrgScan } from '../../bin/cli/org-scan';
import { DEFAULT_MEMBER_ROLE_NAME } from '../../lambda/contracts/organization';
import { MS_PER_DAY } from '../../lambda/core/time';
import { SOURCE_REGISTRY, type SourcePlugin } from '../../lambda/sources/registry';
import { seedAcm } from '../support/acm-seed';
import { captureCliIo } from '../support/cli-io';
import { MOTO_ACCOUNT, type Moto, startMoto } from '../support/moto';
import {
  acmIn,
  type SeededOrganization,
  seedOrganization,
  startAccountApi,
  TWO_TEAMS_ORGANIZATION,
} from '../support/organization-on-moto';
import { TEST_SOURCE_KIND, testSourcePlugin } from '../support/test-source';

const REGIONS = 'eu-west-1,af-south-1';

interface OrgJson {
  certificates: {
    source: string;
    domain: string;
    severity: string;
    account: string;
    accountName: string | null;
  }[];
  errors: Record<string, unknown>[];
  skipped: Record<string, unknown>[];
  coverage: Record<string, unknown>;
}

describe('cert-watch scan --org (moto)', () => {
  let moto: Moto;
  let org: SeededOrganization;
  let accountApi: Awaited<ReturnType<typeof startAccountApi>>;
  const id = (name: string) => org.accounts[name] ?? '';

  beforeAll(async () => {
    moto = await startMoto({ strictRoleNames: [DEFAULT_MEMBER_ROLE_NAME] });
    org = await seedOrganization(moto, TWO_TEAMS_ORGANIZATION);
    for (const [name, days] of [
      ['payments-prod', 5.5],
      ['payments-dev', 200],
      ['platform', 20.5],
    ] as const) {
      const acm = await acmIn(moto, id(name), 'eu-west-1');
      await seedAcm(
        () => acm,
        [{ region: 'eu-west-1', name: `${name}.example.com`, days, key: { kind: 'ec', curve: 'P-256' } }],
      );
    }
    // af-south-1 is an opt-in region: payments-dev has not enabled it.
    accountApi = await startAccountApi({ [id('payments-dev')]: ['af-south-1'] }, REGIONS.split(','));
  }, 120_000);

  afterAll(async () => {
    await accountApi?.close();
    await moto?.stop();
  });

  const scan = async (args: string[]) => {
    const t = captureCliIo({ AWS_REGION: 'eu-west-1' });
    const code = await runOrgScan('acm', args, t.io, {
      clientOverrides: (region) => moto.clientConfig(region),
      accountApi: (account) => ({ endpoint: `${accountApi.endpoint}/${account}` }),
    });
    return { code, out: t.out(), err: t.err() };
  };

  it('scans every ACTIVE account: certificates with their account, a missing role as errors, a suspended account and a disabled opt-in region as skipped; exit 2 as the critical outranks the failures', async () => {
    const r = await scan(['--org', '--regions', REGIONS, '--json']);
    expect(r.code).toBe(2);
    const json = JSON.parse(r.out) as OrgJson;
    expect(json.certificates.map((c) => [c.domain, c.severity, c.account, c.accountName])).toEqual([
      ['payments-prod.example.com', 'critical', id('payments-prod'), 'payments-prod'],
      ['platform.example.com', 'warning', id('platform'), 'platform'],
      ['payments-dev.example.com', 'ok', id('payments-dev'), 'payments-dev'],
    ]);
    const roleArn = `arn:aws:iam::${id('no-role')}:role/${DEFAULT_MEMBER_ROLE_NAME}`;
    expect(json.errors).toEqual(
      ['eu-west-1', 'af-south-1'].map((region) => ({
        scope: `acm#${id('no-role')}#${region}`,
        account: id('no-role'),
        accountName: 'no-role',
        region,
        reason: 'ROLE_NOT_ASSUMED',
        code: 'ROLE_NOT_ASSUMED',
        message: expect.stringContaining(`could not assume ${roleArn}: AccessDenied`),
      })),
    );
    expect(json.skipped).toEqual([
      { account: id('old-sandbox'), accountName: 'old-sandbox', reason: 'SUSPENDED' },
      {
        scope: `acm#${id('payments-dev')}#af-south-1`,
        account: id('payments-dev'),
        accountName: 'payments-dev',
        region: 'af-south-1',
        reason: 'REGION_NOT_ENABLED',
        message: `af-south-1 is an opt-in region account ${id('payments-dev')} has not enabled`,
      },
    ]);
    // The management account (the caller's, read directly) and 4 members: 5 accounts x 2 regions.
    expect(json.coverage).toEqual({
      expected: 10,
      scanned: 7,
      failed: 2,
      skipped: 1,
      byReason: { ROLE_NOT_ASSUMED: 2, REGION_NOT_ENABLED: 1 },
      accounts: 5,
      accountsSkipped: 1,
    });
    expect(r.err).toContain(`could not be assumed in 1 account(s): ${id('no-role')}`);
    expect(r.err).toContain('only roles under the IAM path /cert-expiry-watcher/');
    // Every member's region list was read once, though two scopes of each needed it.
    const listed = accountApi.calls.filter((c) => c.endsWith('/listRegions'));
    expect(listed.filter((c) => c.startsWith(id('payments-prod')))).toHaveLength(1);
    expect(listed.some((c) => c.startsWith(id('no-role')))).toBe(false);
  }, 120_000);

  it('--ou narrows to the accounts under an OU; a failed scope with no critical certificate exits 3; the table ends with the coverage line', async () => {
    const r = await scan(['--org', '--ou', org.ouIds.Platform ?? '', '--regions', REGIONS]);
    expect(r.code).toBe(3);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SEVERITY +DAYS .* KEY +ACCOUNT +ACCOUNT NAME +REGION /);
    expect(lines[1]).toMatch(
      new RegExp(`^WARNING +20 .* platform\\.example\\.com .* ${id('platform')} +platform +eu-west-1 `),
    );
    expect(r.out).not.toContain('payments');
    expect(r.out).toContain('1 certificate(s): 0 expired, 0 critical, 1 warning, 0 ok in 1 account(s)');
    expect(r.out).toContain(
      `UNKNOWN: acm#${id('no-role')}#eu-west-1 of account ${id('no-role')} (no-role) could not be read: ROLE_NOT_ASSUMED: could not assume`,
    );
    expect(r.out).toContain(`skipped: account ${id('old-sandbox')} (old-sandbox): SUSPENDED`);
    expect(lines.at(-1)).toBe(
      'Coverage: 4 scope(s) expected, 2 scanned, 2 failed (ROLE_NOT_ASSUMED 2), 0 skipped; ' +
        'accounts: 2 expected (1 with failures), 1 skipped (SUSPENDED 1)',
    );
  }, 120_000);

  it('--exclude leaves an account out as skipped; only OK certificates and a skipped region exit 0', async () => {
    const r = await scan([
      '--org',
      '--ou',
      org.ouIds.Payments ?? '',
      '--exclude',
      id('payments-prod'),
      '--regions',
      REGIONS,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as OrgJson;
    expect(json.certificates.map((c) => [c.domain, c.account])).toEqual([
      ['payments-dev.example.com', id('payments-dev')],
    ]);
    expect(json.errors).toEqual([]);
    expect(json.skipped.map((s) => [s.account, s.reason])).toEqual([
      [id('payments-prod'), 'EXCLUDED'],
      [id('payments-dev'), 'REGION_NOT_ENABLED'],
    ]);
    expect(json.coverage).toMatchObject({ expected: 2, scanned: 1, failed: 0, skipped: 1, accounts: 1 });
    expect(r.err).toBe('');
  }, 120_000);

  it('--accounts scans exactly the listed accounts, without reading the organization', async () => {
    const r = await scan([
      '--accounts',
      `${id('payments-prod')},${id('no-role')}`,
      '--regions',
      'eu-west-1',
      '--json',
    ]);
    expect(r.code).toBe(2);
    const json = JSON.parse(r.out) as OrgJson;
    expect(json.certificates.map((c) => [c.domain, c.account, c.accountName])).toEqual([
      ['payments-prod.example.com', id('payments-prod'), null],
    ]);
    expect(json.errors.map((e) => [e.scope, e.reason, e.accountName])).toEqual([
      [`acm#${id('no-role')}#eu-west-1`, 'ROLE_NOT_ASSUMED', null],
    ]);
    expect(json.skipped).toEqual([]);
    expect(json.coverage).toMatchObject({
      expected: 2,
      scanned: 1,
      failed: 1,
      accounts: 2,
      accountsSkipped: 0,
    });
  }, 120_000);

  it('scan all --org: every kind in every account, a kind failing in one account and an unreadable item each an error with its account', async () => {
    const notAfter = new Date(Date.now() + 3 * MS_PER_DAY);
    const registry = {
      acm: SOURCE_REGISTRY.acm as SourcePlugin,
      [TEST_SOURCE_KIND]: testSourcePlugin((scope) =>
        scope.account === id('payments-prod')
          ? { error: Object.assign(new Error('vault sealed for you'), { name: 'AccessDeniedException' }) }
          : {
              records: [
                {
                  source: TEST_SOURCE_KIND,
                  id: `vault:${scope.account}:db`,
                  domain: 'db.internal',
                  sans: [],
                  type: 'IMPORTED',
                  notAfter,
                },
              ],
              itemErrors: [
                { item: `vault:${scope.account}:broken`, code: 'BAD_PEM', message: 'not a certificate' },
              ],
            },
      ),
    };
    const t = captureCliIo({ AWS_REGION: 'eu-west-1' });
    const code = await runOrgScan('all', ['--org', '--ou', org.ouIds.Payments ?? '', '--json'], t.io, {
      registry,
      clientOverrides: (region) => moto.clientConfig(region),
    });
    expect(code).toBe(2);
    const json = JSON.parse(t.out()) as OrgJson;
    expect(json.certificates.map((c) => [c.source, c.domain, c.account, c.accountName])).toEqual([
      [TEST_SOURCE_KIND, 'db.internal', id('payments-dev'), 'payments-dev'],
      ['acm', 'payments-prod.example.com', id('payments-prod'), 'payments-prod'],
      ['acm', 'payments-dev.example.com', id('payments-dev'), 'payments-dev'],
    ]);
    expect(json.errors).toEqual([
      {
        scope: `${TEST_SOURCE_KIND}#${id('payments-prod')}`,
        account: id('payments-prod'),
        accountName: 'payments-prod',
        region: null,
        reason: 'ACCESS_DENIED',
        code: 'AccessDeniedException',
        message: 'vault sealed for you',
      },
      {
        item: `vault:${id('payments-dev')}:broken`,
        scope: `${TEST_SOURCE_KIND}#${id('payments-dev')}`,
        account: id('payments-dev'),
        accountName: 'payments-dev',
        code: 'BAD_PEM',
        message: 'not a certificate',
      },
    ]);
    expect(json.coverage).toMatchObject({
      expected: 4,
      scanned: 3,
      failed: 1,
      byReason: { ACCESS_DENIED: 1 },
      accounts: 2,
    });
  }, 120_000);

  it('an OU whose every account is left out is an error, not an empty OK', async () => {
    const payments = org.ouIds.Payments ?? '';
    await expect(
      scan(['--org', '--ou', payments, '--exclude', id('payments-prod'), '--exclude', id('payments-dev')]),
    ).rejects.toThrow(`no ACTIVE account to read under ${payments} (2 skipped)`);
  });

  it('credentials that cannot read the organization: the error says where to run it from', async () => {
    const bare = await startMoto();
    try {
      const t = captureCliIo({ AWS_REGION: 'eu-west-1' });
      await expect(
        runOrgScan('acm', ['--org'], t.io, { clientOverrides: (region) => bare.clientConfig(region) }),
      ).rejects.toThrow(
        new RegExp(
          `^cannot list the organization's accounts from account ${MOTO_ACCOUNT}: AWSOrganizationsNotInUseException: .*\\n` +
            'Run from the management account or a delegated administrator account',
        ),
      );
      expect(t.out()).toBe('');
    } finally {
      await bare.stop();
    }
  }, 60_000);

  it('runs as users run it: a child process with the standard credential chain and AWS_ENDPOINT_URL', async () => {
    const cli = join(__dirname, '..', '..', 'bin', 'cert-watch.cjs');
    const out = await promisify(execFile)(
      process.execPath,
      [cli, 'scan', 'acm', '--org', '--regions', 'eu-west-1', '--concurrency', '2', '--json'],
      {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...moto.env('eu-west-1') },
        timeout: 60_000,
      },
    ).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => error,
    );
    expect(out.code).toBe(2);
    const json = JSON.parse(out.stdout) as OrgJson;
    expect(json.certificates.map((c) => c.account).sort()).toEqual(
      [id('payments-prod'), id('platform'), id('payments-dev')].sort(),
    );
    expect(json.errors.map((e) => [e.account, e.reason])).toEqual([[id('no-role'), 'ROLE_NOT_ASSUMED']]);
    expect(json.coverage).toMatchObject({ expected: 5, scanned: 4, failed: 1, skipped: 0, accounts: 5 });
    expect(json.certificates.some((c) => c.account === MOTO_ACCOUNT)).toBe(false);
  }, 120_000);
});
