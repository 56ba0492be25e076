import { AccountClient, ListRegionsCommand } from '@aws-sdk/client-account';
import {
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkAccountsSetting,
  parseAccountsSetting,
  parseScanUnit,
} from '../../lambda/contracts/organization';
import {
  coverageReasonOf,
  heartbeatsForPeriod,
  isCoverageGap,
  MAX_SCOPES_IN_HEARTBEAT,
  type ScopeOutcome,
  ZERO_COUNTS,
} from '../../lambda/core/coverage';
import { planUnits } from '../../lambda/handlers/make-plan-handler';
import { DiscoverySource } from '../../lambda/sources/discovery/discovery-source';
import { discoverAccounts } from '../../lambda/sources/organization/accounts';
import { MemberAccess } from '../../lambda/sources/organization/member-access';
import { assertValidEvent } from '../support/schemas';

const orgs = mockClient(OrganizationsClient);
const accountApi = mockClient(AccountClient);
afterEach(() => {
  orgs.reset();
  accountApi.reset();
});

/**
 * root r-abcd: management 000000000001, OU Prod (ou-abcd-prod0001) with Payments
 * (ou-abcd-paym0001: 000000000002, 000000000003 suspended) and 000000000004 (closing), OU Dev
 * (ou-abcd-devv0001: 000000000005). Accounts of Prod come in two pages.
 */
const organization = () => {
  orgs.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-abcd' }] });
  const children: Record<string, { Id: string; Name: string }[]> = {
    'r-abcd': [
      { Id: 'ou-abcd-prod0001', Name: 'Prod' },
      { Id: 'ou-abcd-devv0001', Name: 'Dev' },
    ],
    'ou-abcd-prod0001': [{ Id: 'ou-abcd-paym0001', Name: 'Payments' }],
  };
  orgs.on(ListOrganizationalUnitsForParentCommand).callsFake((input: { ParentId: string }) => ({
    OrganizationalUnits: children[input.ParentId] ?? [],
  }));
  orgs
    .on(ListAccountsForParentCommand, { ParentId: 'r-abcd' })
    .resolves({ Accounts: [{ Id: '000000000001', Name: 'management', State: 'ACTIVE' }] })
    .on(ListAccountsForParentCommand, { ParentId: 'ou-abcd-prod0001' })
    .resolves({ Accounts: [{ Id: '000000000004', Name: 'closing', Status: 'PENDING_CLOSURE' }] })
    .on(ListAccountsForParentCommand, { ParentId: 'ou-abcd-paym0001', NextToken: undefined })
    .resolves({
      Accounts: [{ Id: '000000000002', Name: 'payments-prod', State: 'ACTIVE' }],
      NextToken: 'page-2',
    })
    .on(ListAccountsForParentCommand, { ParentId: 'ou-abcd-paym0001', NextToken: 'page-2' })
    .resolves({ Accounts: [{ Id: '000000000003', Name: 'payments-old', State: 'SUSPENDED' }] })
    .on(ListAccountsForParentCommand, { ParentId: 'ou-abcd-devv0001' })
    .resolves({ Accounts: [{ Id: '000000000005', Name: 'dev', State: 'ACTIVE' }] });
  return () => new OrganizationsClient({ region: 'us-east-1' });
};

describe('account discovery', () => {
  it('walks the whole tree with every page, giving each account its OU path and skipping inactive ones', async () => {
    const found = await discoverAccounts({ mode: 'organization' }, '000000000001', organization());
    expect(found.accounts).toEqual([
      { id: '000000000001', name: 'management', ouPath: [] },
      { id: '000000000002', name: 'payments-prod', ouPath: ['Prod', 'Payments'] },
      { id: '000000000005', name: 'dev', ouPath: ['Dev'] },
    ]);
    expect(found.skipped.map((s) => [s.account.id, s.reason])).toEqual([
      ['000000000003', 'SUSPENDED'],
      ['000000000004', 'PENDING_CLOSURE'],
    ]);
  });

  it('takes only accounts below the chosen OUs, nested ones included, minus the excluded', async () => {
    const found = await discoverAccounts(
      { mode: 'organization', ous: ['ou-abcd-prod0001'], exclude: ['000000000002'] },
      '000000000001',
      organization(),
    );
    expect(found.accounts).toEqual([]);
    expect(found.skipped.map((s) => [s.account.id, s.reason])).toEqual([
      ['000000000002', 'EXCLUDED'],
      ['000000000003', 'SUSPENDED'],
      ['000000000004', 'PENDING_CLOSURE'],
    ]);
  });

  it('needs no Organizations call for self or a list', async () => {
    const never = () => {
      throw new Error('Organizations must not be called');
    };
    expect(await discoverAccounts({ mode: 'self' }, '111122223333', never)).toEqual({
      accounts: [{ id: '111122223333' }],
      skipped: [],
    });
    const list = { mode: 'list' as const, accounts: [{ id: '444455556666', name: 'x' }] };
    expect((await discoverAccounts(list, '111122223333', never)).accounts).toEqual(list.accounts);
  });

  it('fails the period when the organization cannot be read, with the service error', async () => {
    orgs
      .on(ListRootsCommand)
      .rejects(Object.assign(new Error('not a member'), { name: 'AWSOrganizationsNotInUseException' }));
    await expect(
      discoverAccounts(
        { mode: 'organization' },
        '1',
        () => new OrganizationsClient({ region: 'us-east-1', maxAttempts: 1 }),
      ),
    ).rejects.toThrow(/not a member/);
  });
});

describe('accounts setting and scan units', () => {
  it('refuses what the planner could not use, naming the field', () => {
    expect(() => checkAccountsSetting({ mode: 'all' })).toThrow(
      /mode must be one of self, list, organization/,
    );
    expect(() => checkAccountsSetting({ mode: 'self', ous: [] })).toThrow(/mode self\) does not take ous/);
    expect(() => checkAccountsSetting({ mode: 'list', accounts: [] })).toThrow(/at least one account/);
    expect(() => checkAccountsSetting({ mode: 'list', accounts: ['1', '2'] })).toThrow(
      /accounts\[0\] must be a 12-digit/,
    );
    expect(() => checkAccountsSetting({ mode: 'list', accounts: ['111122223333', '111122223333'] })).toThrow(
      /twice/,
    );
    expect(() => checkAccountsSetting({ mode: 'organization', ous: ['Prod'] })).toThrow(
      /ous\[0\] must be a root or OU id/,
    );
    expect(() => checkAccountsSetting({ mode: 'organization', ous: [] })).toThrow(/must not be empty/);
    expect(() => parseAccountsSetting('{')).toThrow(/not valid JSON/);
    expect(parseAccountsSetting(undefined)).toEqual({ mode: 'self' });
  });

  it('plans one unit per account, region and source: regional sources per region, global ones once', () => {
    const units = planUnits(
      [{ id: '111122223333' }, { id: '444455556666', name: 'b', ouPath: ['Prod'] }],
      [{ kind: 'acm', regions: ['eu-west-1', 'us-east-1'] }, { kind: 'iam' }],
      { scanId: 's', scanAt: '2026-11-29T00:00:00.000Z' },
    );
    expect(units.map((u) => `${u.kind}#${u.account.id}${u.region ? `#${u.region}` : ''}`)).toEqual([
      'acm#111122223333#eu-west-1',
      'acm#111122223333#us-east-1',
      'acm#444455556666#eu-west-1',
      'acm#444455556666#us-east-1',
      'iam#111122223333',
      'iam#444455556666',
    ]);
    for (const u of units) expect(parseScanUnit(JSON.stringify(u))).toEqual(u);
  });

  it('plans discovery in every region and once globally (CloudFront, IAM), each only when a configured kind lives there', () => {
    const keys = (options?: Record<string, unknown>) =>
      planUnits(
        [{ id: '111122223333' }],
        [{ kind: 'discovery', regions: ['eu-west-1', 'us-east-1'], ...(options ? { options } : {}) }],
        { scanId: 's', scanAt: '2026-11-29T00:00:00.000Z' },
      ).map((u) => `${u.kind}#${u.account.id}${u.region ? `#${u.region}` : ''}`);
    expect(keys()).toEqual([
      'discovery#111122223333#eu-west-1',
      'discovery#111122223333#us-east-1',
      'discovery#111122223333',
    ]);
    expect(keys({ kinds: ['elbv2'] })).toEqual([
      'discovery#111122223333#eu-west-1',
      'discovery#111122223333#us-east-1',
    ]);
    expect(keys({ kinds: ['cloudfront'] })).toEqual(['discovery#111122223333']);
    // The planned scopes are exactly the source's own: every unit finds its reader.
    const source = new DiscoverySource({
      regions: ['eu-west-1', 'us-east-1'],
      clients: {} as never,
      kinds: ['cloudfront'],
    });
    expect(source.scopes('111122223333').map((s) => s.key)).toEqual(['discovery#111122223333']);
  });

  it('refuses a message that is not a version-1 scan unit', () => {
    expect(() => parseScanUnit('x')).toThrow(/not valid JSON/);
    expect(() => parseScanUnit('{"v":2}')).toThrow(/v: 1/);
    const unit = {
      v: 1,
      scanId: 's',
      scanAt: '2026-11-29T00:00:00Z',
      kind: 'acm',
      account: { id: '111122223333' },
    };
    expect(() => parseScanUnit(JSON.stringify({ ...unit, account: { id: '12' } }))).toThrow(/12-digit/);
    expect(() => parseScanUnit(JSON.stringify({ ...unit, region: 'mars' }))).toThrow(/region/);
    expect(() => parseScanUnit(JSON.stringify({ ...unit, kind: 'ACM!' }))).toThrow(/kind/);
  });
});

const outcome = (i: number, status: ScopeOutcome['status'], code?: string): ScopeOutcome => ({
  scope: `acm#${String(i).padStart(12, '0')}#eu-west-1`,
  kind: 'acm',
  account: String(i).padStart(12, '0'),
  region: 'eu-west-1',
  status,
  ...(code ? { code, reason: coverageReasonOf(code), message: code } : {}),
  counts: { ...ZERO_COUNTS, total: 1, ok: 1 },
  eventsPublished: 0,
});

describe('coverage', () => {
  it('names the reason of a failure from its error code', () => {
    expect(coverageReasonOf('AccessDeniedException')).toBe('ACCESS_DENIED');
    expect(coverageReasonOf('UnrecognizedClientException')).toBe('ACCESS_DENIED');
    expect(coverageReasonOf('ThrottlingException')).toBe('THROTTLED');
    expect(coverageReasonOf('ROLE_NOT_ASSUMED')).toBe('ROLE_NOT_ASSUMED');
    expect(coverageReasonOf('SCOPE_INCOMPLETE')).toBe('OTHER');
  });

  it('raises a gap at N missed periods and every N after, never before', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((m) => isCoverageGap(m, 3))).toEqual([
      false,
      false,
      true,
      false,
      false,
      true,
      false,
    ]);
    expect([1, 2].map((m) => isCoverageGap(m, 1))).toEqual([true, true]);
  });

  it('keeps a heartbeat of thousands of scopes under the entry limit with exact counts', () => {
    const outcomes = Array.from({ length: 2_000 }, (_, i) =>
      outcome(
        i,
        i % 4 === 0 ? 'failed' : i % 4 === 1 ? 'skipped' : 'scanned',
        i % 4 === 1 ? 'REGION_NOT_ENABLED' : i % 4 === 0 ? 'ThrottlingException' : undefined,
      ),
    );
    const [heartbeat] = heartbeatsForPeriod(outcomes, ['acm'], {
      scanId: 'big',
      startedAt: new Date('2026-11-29T00:00:00Z'),
      finishedAt: new Date('2026-11-29T00:05:00Z'),
    });
    const detail = heartbeat?.detail;
    expect(detail?.coverage).toEqual({
      expected: 2_000,
      scanned: 1_000,
      failed: 500,
      skipped: 500,
      accounts: 2_000,
    });
    expect(detail?.scopesScanned).toHaveLength(MAX_SCOPES_IN_HEARTBEAT);
    expect(detail?.scopesFailed).toHaveLength(500);
    expect(detail?.counts.total).toBe(2_000);
    assertValidEvent('Scan Completed', detail);
    // PutEvents counts the whole entry; 256 KiB is the limit.
    expect(Buffer.byteLength(JSON.stringify(detail))).toBeLessThan(200 * 1024);
  });
});

describe('member access', () => {
  it("reads its own account with the function's credentials and tells disabled opt-in regions", async () => {
    accountApi.on(ListRegionsCommand).resolves({
      Regions: [
        { RegionName: 'eu-west-1', RegionOptStatus: 'ENABLED_BY_DEFAULT' },
        { RegionName: 'af-south-1', RegionOptStatus: 'DISABLED' },
        { RegionName: 'me-south-1', RegionOptStatus: 'ENABLED' },
      ],
    });
    const access = new MemberAccess({
      self: '111122223333',
      roleName: 'reader',
      overrides: { credentials: { accessKeyId: 'a', secretAccessKey: 'b' } },
    });
    expect(access.credentialsFor('111122223333')).toBeUndefined();
    expect(access.roleArn('444455556666')).toBe('arn:aws:iam::444455556666:role/reader');
    expect(await access.regionEnabled('111122223333', 'eu-west-1')).toBe(true);
    expect(await access.regionEnabled('111122223333', 'af-south-1')).toBe(false);
    expect(await access.regionEnabled('111122223333', 'me-south-1')).toBe(true);
    expect(await access.regionEnabled('111122223333', 'xx-nowhere-1')).toBeUndefined();
    // One ListRegions per account, whatever the number of regions asked.
    expect(accountApi.commandCalls(ListRegionsCommand)).toHaveLength(1);
  });

  it('goes ahead (unknown) when the opt-in status cannot be read', async () => {
    accountApi
      .on(ListRegionsCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const access = new MemberAccess({
      self: '111122223333',
      roleName: 'reader',
      overrides: { credentials: { accessKeyId: 'a', secretAccessKey: 'b' } },
    });
    expect(await access.regionEnabled('111122223333', 'af-south-1')).toBeUndefined();
  });
});
