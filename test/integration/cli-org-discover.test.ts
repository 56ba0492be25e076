/**
 * `cert-watch discover --org | --accounts` over an organization on the local AWS: moto's
 * Organizations with a member account whose load balancer serves one name, one without the member
 * role (moto then refuses to assume it, as AWS does), a suspended one, and the management account
 * (the caller's, read directly) whose load balancer serves two names; the Account Management API
 * peer for an opt-in region one account has not enabled. Each account's load balancer is created
 * with that account's own credentials (moto isolates accounts by them).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ACMClient, DeleteCertificateCommand } from '@aws-sdk/client-acm';
import {
  AddListenerCertificatesCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDiscover } from '../../bin/cli/discover';
import { DEFAULT_MEMBER_ROLE_NAME } from '../../lambda/contracts/organization';
import { daysFrom } from '../support/certs';
import { captureCliIo } from '../support/cli-io';
import { defaultSubnets, importLeaf } from '../support/discovery-on-moto';
import { MOTO_ACCOUNT, type Moto, startMoto } from '../support/moto';
import {
  accountCredentials,
  type SeededOrganization,
  seedOrganization,
  startAccountApi,
} from '../support/organization-on-moto';

const REGION = 'eu-west-1';
const OPT_IN = 'af-south-1';
const NOW = new Date();
/** The management account's name in moto's Organizations. */
const MANAGEMENT_NAME = 'master';

interface Endpoint {
  host: string;
  port: number;
  servername: string;
  source: string;
  resource: string;
  certificateIds: string[];
  account: string | null;
  accountName: string | null;
  region: string | null;
}

interface DiscoverJson {
  endpoints: Endpoint[];
  errors: Record<string, unknown>[];
  skipped: Record<string, unknown>[];
  coverage: Record<string, unknown>;
}

interface Balancer {
  dns: string;
  listenerArn: string;
  /** Certificate ARN by name. */
  arns: Record<string, string>;
}

type Credentials = Awaited<ReturnType<typeof accountCredentials>>;

/**
 * A load balancer with an HTTPS listener on 443: the first name's certificate as default, the
 * others as SNI certificates. `deleted` certificates are deleted from ACM once the listener uses them.
 */
const seedBalancer = async (
  moto: Moto,
  credentials: Credentials | undefined,
  names: readonly string[],
  region = REGION,
  deleted: readonly string[] = [],
): Promise<Balancer> => {
  const config = { ...moto.clientConfig(region), ...(credentials ? { credentials } : {}) };
  const acm = new ACMClient(config);
  const arns: Record<string, string> = {};
  for (const name of names) arns[name] = (await importLeaf(acm, name, NOW, daysFrom(NOW, 100))).arn;
  const elbv2 = new ElasticLoadBalancingV2Client(config);
  const subnets = await defaultSubnets(
    moto,
    region,
    credentials?.accessKeyId ?? config.credentials.accessKeyId,
  );
  const lb = await elbv2.send(new CreateLoadBalancerCommand({ Name: 'web', Subnets: subnets.slice(0, 2) }));
  const listener = await elbv2.send(
    new CreateListenerCommand({
      LoadBalancerArn: lb.LoadBalancers?.[0]?.LoadBalancerArn,
      Protocol: 'HTTPS',
      Port: 443,
      Certificates: [{ CertificateArn: arns[names[0] ?? ''] }],
      DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200' } }],
    }),
  );
  const listenerArn = listener.Listeners?.[0]?.ListenerArn ?? '';
  if (names.length > 1)
    await elbv2.send(
      new AddListenerCertificatesCommand({
        ListenerArn: listenerArn,
        Certificates: names.slice(1).map((n) => ({ CertificateArn: arns[n] })),
      }),
    );
  for (const name of deleted) await acm.send(new DeleteCertificateCommand({ CertificateArn: arns[name] }));
  return { dns: (lb.LoadBalancers?.[0]?.DNSName ?? '').toLowerCase(), listenerArn, arns };
};

describe('cert-watch discover --org (moto)', () => {
  let moto: Moto;
  let org: SeededOrganization;
  let accountApi: Awaited<ReturnType<typeof startAccountApi>>;
  let own: Balancer;
  let shop: Balancer;
  let broken: Balancer;
  const id = (name: string) => org.accounts[name] ?? '';

  beforeAll(async () => {
    moto = await startMoto({ strictRoleNames: [DEFAULT_MEMBER_ROLE_NAME] });
    org = await seedOrganization(moto, [
      { name: 'shop' },
      { name: 'no-role', memberRole: false },
      { name: 'old-sandbox', suspended: true },
    ]);
    own = await seedBalancer(moto, undefined, ['a.example.test', 'b.example.test']);
    const shopCredentials = await accountCredentials(moto, id('shop'));
    shop = await seedBalancer(moto, shopCredentials, ['shop.example.test']);
    // In a region the other cases do not read: a listener whose certificate cannot be described.
    broken = await seedBalancer(moto, shopCredentials, ['gone.example.test'], 'eu-central-1', [
      'gone.example.test',
    ]);
    // af-south-1 is an opt-in region: shop has not enabled it.
    accountApi = await startAccountApi({ [id('shop')]: [OPT_IN] }, [REGION, OPT_IN]);
  }, 120_000);

  afterAll(async () => {
    await accountApi?.close();
    await moto?.stop();
  });

  const discover = async (args: string[]) => {
    const t = captureCliIo({ AWS_REGION: REGION });
    const code = await runDiscover(args, t.io, {
      clientOverrides: (region) => moto.clientConfig(region),
      accountApi: (account) => ({ endpoint: `${accountApi.endpoint}/${account}` }),
    });
    return { code, out: t.out(), err: t.err() };
  };

  const endpoint = (b: Balancer, name: string, account: string, accountName: string | null): Endpoint => ({
    host: b.dns,
    port: 443,
    servername: name,
    source: 'elbv2',
    resource: b.listenerArn,
    certificateIds: [b.arns[name] ?? ''],
    account,
    accountName,
    region: REGION,
  });

  it('--org --json: every ACTIVE account’s endpoints with their account; the account without the role failed in each scope, the suspended account and a disabled opt-in region skipped; exit 3', async () => {
    const r = await discover(['--org', '--regions', `${REGION},${OPT_IN}`, '--json']);
    expect(r.code).toBe(3);
    const json = JSON.parse(r.out) as DiscoverJson;
    // Sorted by account, then host, port and SNI name.
    const expected = [
      endpoint(own, 'a.example.test', MOTO_ACCOUNT, MANAGEMENT_NAME),
      endpoint(own, 'b.example.test', MOTO_ACCOUNT, MANAGEMENT_NAME),
      endpoint(shop, 'shop.example.test', id('shop'), 'shop'),
    ].sort((x, y) =>
      `${x.account} ${x.host}/${x.servername}`.localeCompare(`${y.account} ${y.host}/${y.servername}`),
    );
    expect(json.endpoints).toEqual(expected);
    const roleArn = `arn:aws:iam::${id('no-role')}:role/${DEFAULT_MEMBER_ROLE_NAME}`;
    // Its regional scopes and its global one (CloudFront, IAM) alike.
    expect(json.errors).toEqual(
      [REGION, OPT_IN, null].map((region) => ({
        scope: `discovery#${id('no-role')}${region ? `#${region}` : ''}`,
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
        scope: `discovery#${id('shop')}#${OPT_IN}`,
        account: id('shop'),
        accountName: 'shop',
        region: OPT_IN,
        reason: 'REGION_NOT_ENABLED',
        message: `${OPT_IN} is an opt-in region account ${id('shop')} has not enabled`,
      },
    ]);
    // The management account and 2 members, each with 2 regional scopes and a global one.
    expect(json.coverage).toEqual({
      expected: 9,
      scanned: 5,
      failed: 3,
      skipped: 1,
      byReason: { ROLE_NOT_ASSUMED: 3, REGION_NOT_ENABLED: 1 },
      accounts: 3,
      accountsSkipped: 1,
    });
    expect(r.err).toContain(`could not be assumed in 1 account(s): ${id('no-role')}`);
    expect(r.err).toContain('only roles under the IAM path /cert-expiry-watcher/');
  }, 120_000);

  it('the table: a row per endpoint with ACCOUNT, ACCOUNT NAME and REGION, a line per failed and skipped scope, the coverage line', async () => {
    const r = await discover(['--org', '--regions', REGION]);
    expect(r.code).toBe(3);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^SOURCE +HOST +PORT +SERVERNAME +CERTIFICATES +ACCOUNT +ACCOUNT NAME +REGION +RESOURCE$/,
    );
    const rows = lines.slice(1, 4);
    const row = (name: string) => rows.find((l) => l.includes(` ${name} `));
    for (const name of ['a.example.test', 'b.example.test'])
      expect(row(name)).toMatch(
        new RegExp(`^elbv2 +${own.dns} +443 +${name} +\\S+ +${MOTO_ACCOUNT} +${MANAGEMENT_NAME} +${REGION} `),
      );
    expect(row('shop.example.test')).toMatch(
      new RegExp(`^elbv2 +${shop.dns} +443 +shop\\.example\\.test +\\S+ +${id('shop')} +shop +${REGION} `),
    );
    expect(lines[4]).toBe('');
    expect(r.out).toContain('3 endpoints in 2 account(s)');
    for (const scope of [`discovery#${id('no-role')}#${REGION}`, `discovery#${id('no-role')}`])
      expect(r.out).toContain(
        `UNKNOWN: ${scope} of account ${id('no-role')} (no-role) could not be read: ROLE_NOT_ASSUMED: could not assume`,
      );
    expect(r.out).toContain(`skipped: account ${id('old-sandbox')} (old-sandbox): SUSPENDED`);
    expect(lines.at(-1)).toBe(
      'Coverage: 6 scope(s) expected, 4 scanned, 2 failed (ROLE_NOT_ASSUMED 2), 0 skipped; ' +
        'accounts: 3 expected (1 with failures), 1 skipped (SUSPENDED 1)',
    );
  }, 120_000);

  it('--accounts reads exactly the listed accounts without Organizations (no names); --kinds elbv2 plans no global scope; all read: exit 0', async () => {
    const r = await discover([
      '--accounts',
      `${id('shop')},${MOTO_ACCOUNT}`,
      '--regions',
      REGION,
      '--kinds',
      'elbv2',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as DiscoverJson;
    expect(json.endpoints.map((e) => [e.account, e.accountName, e.servername])).toEqual(
      [
        [MOTO_ACCOUNT, null, 'a.example.test'],
        [MOTO_ACCOUNT, null, 'b.example.test'],
        [id('shop'), null, 'shop.example.test'],
      ].sort((x, y) => `${x[0]}${x[2]}`.localeCompare(`${y[0]}${y[2]}`)),
    );
    expect(json.errors).toEqual([]);
    expect(json.skipped).toEqual([]);
    expect(json.coverage).toEqual({
      expected: 2,
      scanned: 2,
      failed: 0,
      skipped: 0,
      byReason: {},
      accounts: 2,
      accountsSkipped: 0,
    });
    expect(r.err).toBe('');
  }, 120_000);

  it('an item that cannot be read is an error with its account, and UNKNOWN (exit 3) as for scan --org', async () => {
    const r = await discover([
      '--accounts',
      id('shop'),
      '--regions',
      'eu-central-1',
      '--kinds',
      'elbv2',
      '--json',
    ]);
    expect(r.code).toBe(3);
    const json = JSON.parse(r.out) as DiscoverJson;
    expect(json.endpoints).toEqual([]);
    expect(json.errors).toEqual([
      {
        item: `${broken.arns['gone.example.test']} (on ${broken.listenerArn})`,
        scope: `discovery#${id('shop')}#eu-central-1`,
        account: id('shop'),
        accountName: null,
        code: 'ResourceNotFoundException',
        message: expect.any(String),
      },
    ]);
    expect(json.coverage).toMatchObject({ expected: 1, scanned: 1, failed: 0 });
    // The table names the item's account too, as it does a failed scope's.
    const table = await discover(['--accounts', id('shop'), '--regions', 'eu-central-1', '--kinds', 'elbv2']);
    expect(table.code).toBe(3);
    expect(table.out).toContain(
      `UNKNOWN: ${broken.arns['gone.example.test']} (on ${broken.listenerArn}) in account ${id('shop')}: ResourceNotFoundException`,
    );
  }, 120_000);

  it('without --org, an item that cannot be read is UNKNOWN (exit 3) too, and named on stderr', async () => {
    const own = await seedBalancer(moto, undefined, ['gone-own.example.test'], 'eu-west-3', [
      'gone-own.example.test',
    ]);
    const r = await discover(['--regions', 'eu-west-3', '--kinds', 'elbv2', '--json']);
    expect(r.code).toBe(3);
    const json = JSON.parse(r.out) as { endpoints: unknown[]; errors: { item?: string; code: string }[] };
    expect(json.endpoints).toEqual([]);
    // In the JSON too, so a script can tell why it got 3.
    expect(json.errors).toEqual([
      expect.objectContaining({
        item: expect.stringContaining(own.arns['gone-own.example.test'] ?? 'missing'),
        code: 'ResourceNotFoundException',
      }),
    ]);
    expect(r.err).toContain(own.arns['gone-own.example.test']);
  }, 120_000);

  it('runs as users run it: a child process with the standard credential chain and AWS_ENDPOINT_URL', async () => {
    const cli = join(__dirname, '..', '..', 'bin', 'cert-watch.cjs');
    const out = await promisify(execFile)(
      process.execPath,
      [cli, 'discover', '--org', '--regions', REGION, '--kinds', 'elbv2', '--concurrency', '2', '--json'],
      {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...moto.env(REGION) },
        timeout: 60_000,
      },
    ).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => error,
    );
    // The account without the member role fails: UNKNOWN.
    expect(out.code).toBe(3);
    const json = JSON.parse(out.stdout) as DiscoverJson;
    expect(json.endpoints.map((e) => `${e.account}/${e.servername}`).sort()).toEqual(
      [
        `${MOTO_ACCOUNT}/a.example.test`,
        `${MOTO_ACCOUNT}/b.example.test`,
        `${id('shop')}/shop.example.test`,
      ].sort(),
    );
    expect(json.errors.map((e) => [e.account, e.reason])).toEqual([[id('no-role'), 'ROLE_NOT_ASSUMED']]);
  }, 120_000);

  it('--exclude leaves an account out as skipped; --kinds cloudfront reads only each account’s global scope', async () => {
    const r = await discover([
      '--org',
      '--exclude',
      id('no-role'),
      '--regions',
      REGION,
      '--kinds',
      'cloudfront',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as DiscoverJson;
    expect(json.endpoints).toEqual([]);
    expect(json.skipped.map((s) => [s.account, s.reason])).toEqual(
      [
        [id('no-role'), 'EXCLUDED'],
        [id('old-sandbox'), 'SUSPENDED'],
      ].sort((x, y) => (x[0] ?? '').localeCompare(y[0] ?? '')),
    );
    expect(json.coverage).toMatchObject({
      expected: 2,
      scanned: 2,
      failed: 0,
      accounts: 2,
      accountsSkipped: 2,
    });
  }, 120_000);
});
