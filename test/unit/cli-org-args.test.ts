/**
 * `cert-watch scan <source> --org | --accounts`, `cert-watch discover --org` and `cert-watch coverage`: argument mistakes are
 * refused with a message and exit 3 before any AWS call (no credentials, no endpoint here).
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../bin/cert-watch';
import { accountsSettingOf, isOrgScan } from '../../bin/cli/org-scan';
import { captureCliIo } from '../support/cli-io';

const run = async (argv: string[], env: Record<string, string> = { AWS_REGION: 'eu-west-1' }) => {
  const t = captureCliIo(env);
  const code = await main(argv, t.io);
  return { code, out: t.out(), err: t.err() };
};

describe('cert-watch scan <source> --org: argument errors', () => {
  it.each([
    [['--org', '--accounts', '111122223333'], '--org and --accounts exclude each other'],
    [['--accounts', '111122223333,12345'], '--accounts: "12345" is not a 12-digit account id'],
    [['--accounts', ','], '--accounts needs at least one account id'],
    [['--ou', 'ou-ab12-cdefgh34'], '--ou narrows --org: pass --org too'],
    [['--exclude', '111122223333'], '--exclude applies to --org: pass --org too'],
    [
      ['--accounts', '111122223333', '--exclude', '111122223333'],
      '--exclude applies to --org: leave the account out of --accounts',
    ],
    [['--org', '--ou', 'Payments'], '--ou: "Payments" is not a root (r-...) or OU (ou-...-...) id'],
    [['--org', '--exclude', 'acct-1'], '--exclude: "acct-1" is not a 12-digit account id'],
    [['--role-name', 'reader'], 'pass --org (every account) or --accounts <ids>'],
    [['--org', '--role-name', 'bad name'], '--role-name must be an IAM role name'],
    [['--org', '--concurrency', '0'], '--concurrency must be a whole number from 1 to 64, got "0"'],
    [['--org', '--concurrency', '65'], '--concurrency must be a whole number from 1 to 64, got "65"'],
    [['--org', '--bogus'], 'unknown option --bogus'],
    [['--org', '--regions', 'Ireland'], '"Ireland" is not an AWS region name'],
    [
      ['--org', '--warn-days', '5', '--critical-days', '9'],
      '--critical-days (9) must not exceed --warn-days (5)',
    ],
  ])('scan acm %j is refused: %s', async (args, message) => {
    const r = await run(['scan', 'acm', ...args]);
    expect(r.code).toBe(3);
    expect(r.err).toContain(`cert-watch: ${message}`);
    expect(r.err).toContain('Run with --help for usage.');
    expect(r.out).toBe('');
  });

  it('an organization scan needs a region for regional stores, as a single-account scan does', async () => {
    const r = await run(['scan', 'acm', '--org'], {});
    expect(r.code).toBe(3);
    expect(r.err).toContain('no region given');
  });

  it('--help states the flags and the member role trust rule', async () => {
    const r = await run(['scan', 'acm', '--org', '--help']);
    expect(r.code).toBe(0);
    for (const flag of [
      '--ou <id>',
      '--exclude <account>',
      '--accounts <ids>',
      '--role-name <name>',
      '--concurrency <n>',
    ])
      expect(r.out).toContain(flag);
    expect(r.out).toContain('trusts only roles under the IAM path /cert-expiry-watcher/');
    expect(r.out).toContain('default cert-expiry-watcher-reader');
    const single = await run(['scan', 'acm', '--help']);
    expect(single.out).toContain('--org | --accounts <ids>');
  });

  it('only organization flags route a scan to the organization scan', () => {
    expect(isOrgScan(['--org'])).toBe(true);
    expect(isOrgScan(['--accounts=111122223333'])).toBe(true);
    expect(isOrgScan(['--regions', 'eu-west-1', '--option', 'x=--org'])).toBe(false);
    expect(isOrgScan(['--json', '--', '--org'])).toBe(false);
  });

  it('reads repeated and comma-separated ids once each', () => {
    expect(accountsSettingOf({ accounts: ['111122223333,222233334444', '111122223333'] })).toEqual({
      mode: 'list',
      accounts: [{ id: '111122223333' }, { id: '222233334444' }],
    });
    expect(
      accountsSettingOf({ org: true, ou: ['ou-ab12-cdefgh34', 'r-ab12'], exclude: ['111122223333'] }),
    ).toEqual({ mode: 'organization', ous: ['ou-ab12-cdefgh34', 'r-ab12'], exclude: ['111122223333'] });
    expect(accountsSettingOf({ org: true })).toEqual({ mode: 'organization' });
  });
});

describe('cert-watch discover --org: argument errors, as scan --org', () => {
  it.each([
    [['--org', '--accounts', '111122223333'], '--org and --accounts exclude each other'],
    [['--accounts', '111122223333,12345'], '--accounts: "12345" is not a 12-digit account id'],
    [['--ou', 'ou-ab12-cdefgh34'], '--ou narrows --org: pass --org too'],
    [['--exclude', '111122223333'], '--exclude applies to --org: pass --org too'],
    [['--org', '--ou', 'Payments'], '--ou: "Payments" is not a root (r-...) or OU (ou-...-...) id'],
    [['--role-name', 'reader'], 'pass --org (every account) or --accounts <ids>'],
    [['--org', '--role-name', 'bad name'], '--role-name must be an IAM role name'],
    [['--org', '--concurrency', '65'], '--concurrency must be a whole number from 1 to 64, got "65"'],
    [['--org', '--kinds', 'elbv3'], '--kinds: unknown kind "elbv3"'],
    [['--org', '--regions', 'Ireland'], '"Ireland" is not an AWS region name'],
    [['--org', '--option', 'x=y'], 'unknown option --option'],
    [['--org', 'extra'], 'unexpected argument "extra"'],
  ])('discover %j is refused: %s', async (args, message) => {
    const r = await run(['discover', ...args]);
    expect(r.code).toBe(3);
    expect(r.err).toContain(`cert-watch: ${message}`);
    expect(r.out).toBe('');
  });

  it('check --discover takes no organization options, and says where they apply', async () => {
    const r = await run(['check', '--discover', '--org']);
    expect(r.code).toBe(3);
    expect(r.err).toContain(
      "--org does not apply to check: check --discover probes the caller's account's endpoints (cert-watch discover --org lists every account's)",
    );
  });

  it('needs a region, as discover does', async () => {
    const r = await run(['discover', '--org'], {});
    expect(r.code).toBe(3);
    expect(r.err).toContain('no region given');
  });

  it('--help states the flags and the member role trust rule; discover --help points to it', async () => {
    const r = await run(['discover', '--org', '--help']);
    expect(r.code).toBe(0);
    for (const flag of [
      '--ou <id>',
      '--exclude <account>',
      '--accounts <ids>',
      '--role-name <name>',
      '--concurrency <n>',
      '--kinds <k,..>',
    ])
      expect(r.out).toContain(flag);
    expect(r.out).toContain('trusts only roles under the IAM path /cert-expiry-watcher/');
    expect(r.out).toContain('"account","accountName","region"');
    expect((await run(['discover', '--help'])).out).toContain('cert-watch discover --org --help');
    expect((await run(['--help'])).out).toMatch(/discover .*\n.*--org: in every account/);
  });
});

describe('cert-watch coverage: argument errors', () => {
  it.each([
    [['--bogus'], 'unknown option --bogus'],
    [['extra'], 'unexpected argument "extra"'],
  ])('coverage %j is refused: %s', async (args, message) => {
    const r = await run(['coverage', ...args]);
    expect(r.code).toBe(3);
    expect(r.err).toContain(`cert-watch: ${message}`);
  });

  it('is listed in the usage and has its own --help', async () => {
    expect((await run(['--help'])).out).toContain('coverage    what the deployed watcher');
    const r = await run(['coverage', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--gaps');
  });
});
