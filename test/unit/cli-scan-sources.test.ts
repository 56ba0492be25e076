import { describe, expect, it } from 'vitest';
import { main } from '../../bin/cert-watch';
import { runScanSource, scanCommandsUsage } from '../../bin/cli/scan';
import type { CertificateRecord } from '../../lambda/core/certificate';
import { MS_PER_DAY } from '../../lambda/core/time';
import { captureCliIo } from '../support/cli-io';
import { registryWithTestSource, TEST_SOURCE_KIND } from '../support/test-source';

const NOW = new Date('2026-06-15T12:00:00.000Z');

const io = () => captureCliIo({}, () => NOW);

const record = (n: number, days: number): CertificateRecord => ({
  source: TEST_SOURCE_KIND,
  id: `vault://acct/${n}`,
  domain: `v${n}.example.com`,
  sans: [],
  type: 'UNMANAGED',
  notAfter: new Date(NOW.getTime() + days * MS_PER_DAY),
});

describe('cert-watch scan <source>', () => {
  it('scans any kind of the registry with the shared JSON contract and exit codes', async () => {
    const registry = registryWithTestSource(() => ({ records: [record(1, 3), record(2, 200)] }));
    const t = io();
    const code = await runScanSource(TEST_SOURCE_KIND, ['--json'], t.io, {
      registry,
      account: async () => '111122223333',
    });
    expect(code).toBe(2);
    const json = JSON.parse(t.out()) as {
      certificates: { source: string; severity: string }[];
      errors: unknown[];
    };
    expect(json.certificates.map((c) => [c.source, c.severity])).toEqual([
      [TEST_SOURCE_KIND, 'critical'],
      [TEST_SOURCE_KIND, 'ok'],
    ]);
    expect(json.errors).toEqual([]);
  });

  it('a failed scope is an error naming the scope, and exits 3 unless something critical outranks it', async () => {
    const registry = registryWithTestSource(() => ({ error: new Error('sealed') }));
    const t = io();
    expect(
      await runScanSource(TEST_SOURCE_KIND, ['--json'], t.io, { registry, account: async () => 'acct' }),
    ).toBe(3);
    expect(JSON.parse(t.out()).errors).toEqual([
      { scope: `${TEST_SOURCE_KIND}#acct`, code: 'Error', message: 'sealed' },
    ]);
  });

  it('the table names a failed scope by its key when several sources run, and counts every scope', async () => {
    const registry = registryWithTestSource(() => ({ records: [record(1, 100)], incomplete: true }));
    const t = io();
    expect(
      await runScanSource('all', [], t.io, {
        registry: { [TEST_SOURCE_KIND]: registry[TEST_SOURCE_KIND]! },
        account: async () => 'acct',
      }),
    ).toBe(3);
    expect(t.out()).toContain(
      '1 certificate(s): 0 expired, 0 critical, 0 warning, 1 ok in 1 scope(s) (1 not listed completely)',
    );
    expect(t.out()).toContain(
      `UNKNOWN: scope ${TEST_SOURCE_KIND}#acct was listed only partly: SCOPE_INCOMPLETE`,
    );
  });

  it('refuses --regions for a global store and a malformed --option, as usage errors', async () => {
    const registry = registryWithTestSource(() => ({}));
    await expect(
      runScanSource(TEST_SOURCE_KIND, ['--regions', 'eu-west-1'], io().io, {
        registry,
        account: async () => 'a',
      }),
    ).rejects.toThrow(/global: --regions does not apply/);
    await expect(
      runScanSource(TEST_SOURCE_KIND, ['--option', 'novalue'], io().io, {
        registry,
        account: async () => 'a',
      }),
    ).rejects.toThrow(/--option must be key=value/);
  });

  it('refuses an option its source does not know instead of falling back to the default selection', async () => {
    await expect(
      runScanSource('secrets', ['--regions', 'eu-west-1', '--option', 'prefix=tls/'], io().io, {
        account: async () => 'a',
      }),
    ).rejects.toThrow(
      /secrets has no option "prefix" \(known: tagKey, tagValue, prefixes, base64, concurrency\)/,
    );
    await expect(
      runScanSource('all', ['--regions', 'eu-west-1', '--option', 'colour=blue'], io().io, {
        account: async () => 'a',
      }),
    ).rejects.toThrow(/no source takes the option "colour"/);
  });

  it('`scan --help` lists every source of the registry, `all` and `file`', async () => {
    const t = io();
    expect(await main(['scan', '--help'], t.io)).toBe(0);
    expect(t.out()).toBe(`${scanCommandsUsage()}\n`);
    expect(t.out()).toMatch(/^ {2}acm +every ACM certificate/m);
    expect(t.out()).toMatch(/^ {2}all +/m);
    expect(t.out()).toMatch(/^ {2}file +/m);
    // The way to every account of an organization is named where people look first.
    expect(t.out()).toContain('add --org (or --accounts <ids>)');
  });
});
