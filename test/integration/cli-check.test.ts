/**
 * `cert-watch check` end to end: runCheck with captured streams against real local TLS servers
 * (IP targets with IP SAN certificates, so the real resolver path needs no DNS).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificate, daysFrom, type GeneratedCert } from '../support/certs';
import { runCheckCaptured } from '../support/cli-check-run';
import { closedPort, type RunningServer, startTlsServer } from '../support/tls-servers';

const now = new Date();
const servers: RunningServer[] = [];
const port: Record<string, number> = {};
let dir: string;
let caFile: string;
let root: GeneratedCert;

const run = (args: string[], tty = false) => runCheckCaptured(args, { tty });

const serve = async (
  name: string,
  days: number,
  ipAddresses = ['127.0.0.1'],
  issuedDaysAgo = 80,
): Promise<void> => {
  const leaf = await createCertificate({
    commonName: name,
    ipAddresses,
    notBefore: daysFrom(now, -issuedDaysAgo),
    notAfter: daysFrom(now, days),
    issuer: root,
  });
  const s = await startTlsServer({ key: leaf.keyPem, cert: leaf.certPem });
  servers.push(s);
  port[name] = s.port;
};
const at = (name: string): string => `127.0.0.1:${port[name]}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cli-check-'));
  root = await createCertificate({
    commonName: 'CLI Test Root',
    notBefore: daysFrom(now, -100),
    notAfter: daysFrom(now, 3650),
    isCa: true,
  });
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, root.certPem);
  await serve('good', 90);
  await serve('warn', 20);
  await serve('crit', 5);
  await serve('hours', 20.5 / 24);
  await serve('wrong-ip', 90, ['10.9.8.7']);
  await serve('short-lived', 20, ['127.0.0.1'], 27); // a 47-day lifetime, 20 days left
  port.closed = await closedPort();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('cert-watch check', () => {
  it('prints the documented JSON shape and exits 0 when everything is OK', async () => {
    const { code, stdout, stderr } = await run(['--json', '--ca-file', caFile, at('good')]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as { results: Record<string, unknown>[] };
    expect(json.results).toHaveLength(1);
    const r = json.results[0]!;
    for (const key of [
      'target',
      'address',
      'servername',
      'status',
      'daysRemaining',
      'notAfter',
      'tlsVersion',
      'leaf',
      'chain',
      'problems',
      'error',
    ]) {
      expect(r).toHaveProperty(key);
    }
    expect(r).toMatchObject({
      target: at('good'),
      address: '127.0.0.1',
      servername: null,
      status: 'ok',
      error: null,
    });
    expect(Object.keys(r.leaf as object)).toEqual(
      expect.arrayContaining([
        'subject',
        'issuer',
        'sans',
        'serialNumber',
        'fingerprintSha256',
        'notBefore',
        'notAfter',
        'keyType',
        'keySize',
        'signatureAlgorithm',
      ]),
    );
    const chain = r.chain as Record<string, unknown>[];
    expect(Object.keys(chain[0]!)).toEqual(
      expect.arrayContaining(['subject', 'issuer', 'notAfter', 'daysRemaining', 'role']),
    );
    expect(r.problems).toEqual([]);
    expect(r).not.toHaveProperty('record');
    expect(r.verdict).toBe('ok');
  });

  it('exits 1 when a certificate is inside the warning window', async () => {
    const { code, stdout } = await run(['--ca-file', caFile, at('good'), at('warn')]);
    expect(code).toBe(1);
    expect(stdout).toMatch(new RegExp(`WARNING\\s+${at('warn').replace('.', '\\.')}`));
  });

  it('exits 2 for a critical certificate and lists it first in the table', async () => {
    const { code, stdout } = await run(['--ca-file', caFile, at('good'), at('warn'), at('crit')]);
    expect(code).toBe(2);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^VERDICT\s+TARGET/);
    expect(lines[1]).toContain('CRITICAL');
    expect(lines[1]).toContain(at('crit'));
    expect(stdout).toContain('OK');
  });

  it('honours --warn-days and --critical-days', async () => {
    expect(
      (await run(['--ca-file', caFile, '--warn-days', '10', '--critical-days', '3', at('warn')])).code,
    ).toBe(0);
    expect((await run(['--ca-file', caFile, '--critical-days', '25', at('warn')])).code).toBe(2);
  });

  it('says under the table why a short-lived certificate inside the day tiers is OK: graded by its lifetime', async () => {
    const { code, stdout } = await run(['--ca-file', caFile, at('short-lived'), at('good')]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      new RegExp(`OK\\s+${at('short-lived').replace(/\./g, '\\.')}\\s+\\S+\\s+(19|20)\\s`),
    );
    expect(stdout).toContain(
      'Short-lived, graded by a share of the lifetime left instead of the day tiers (docs/lifecycle.md, "Short-lived certificates"):\n' +
        `  ${at('short-lived')} (127.0.0.1): 47-day lifetime: warning at 15.51 days left, critical at 4.7\n`,
    );
    // A long-lived certificate is graded by the day tiers: not in the note.
    expect(stdout).not.toContain(`${at('good')} (127.0.0.1):`);
    // Without one, no note.
    expect((await run(['--ca-file', caFile, at('good')])).stdout).not.toContain('Short-lived');
    // The JSON says the same per result; null on the day tiers.
    const json = JSON.parse(
      (await run(['--ca-file', caFile, '--json', at('short-lived'), at('good')])).stdout,
    ) as {
      results: {
        target: string;
        shortLived: { lifetimeDays: number; warningDays: number; criticalDays: number } | null;
      }[];
    };
    const of = (name: string) => json.results.find((r) => r.target === at(name))?.shortLived;
    expect(of('short-lived')).toEqual({ lifetimeDays: 47, warningDays: 15.51, criticalDays: 4.7 });
    expect(of('good')).toBeNull();
  });

  it('exits 2 when the certificate is for another address', async () => {
    const { code, stdout } = await run(['--ca-file', caFile, at('wrong-ip')]);
    expect(code).toBe(2);
    expect(stdout).toContain('HOSTNAME_MISMATCH');
  });

  it('--json status is the overall verdict: a hostname mismatch is critical (it said ok), expiryStatus keeps the expiry', async () => {
    const { code, stdout } = await run(['--json', '--ca-file', caFile, at('wrong-ip')]);
    expect(code).toBe(2);
    const [r] = (JSON.parse(stdout) as { results: Record<string, unknown>[] }).results;
    expect(r).toMatchObject({ status: 'critical', expiryStatus: 'ok', verdict: 'critical' });
    expect(r).not.toHaveProperty('evaluation');
    // What `jq 'select(.status != "ok")'` relies on: every result the exit code counts as broken.
    const all = await run(['--json', '--ca-file', caFile, at('good'), at('wrong-ip'), at('warn')]);
    const statuses = (JSON.parse(all.stdout) as { results: { status: string }[] }).results.map(
      (x) => x.status,
    );
    expect(statuses.filter((s) => s !== 'ok')).toHaveLength(2);
  });

  it('under 48 hours the table says hours and the JSON has both counts by the one rounding rule', async () => {
    const fixed = { now: () => now };
    const table = await runCheckCaptured(['--ca-file', caFile, at('hours')], fixed);
    expect(table.code).toBe(2);
    const row = table.stdout.split('\n').find((l) => l.includes(at('hours')));
    expect(row).toMatch(/^CRITICAL\s+\S+\s+127\.0\.0\.1\s+20h\s/);
    const json = await runCheckCaptured(['--json', '--ca-file', caFile, at('hours')], fixed);
    const [r] = (JSON.parse(json.stdout) as { results: Record<string, unknown>[] }).results;
    expect(r).toMatchObject({ daysRemaining: 0, hoursRemaining: 20 });
  });

  it('exits 2 without --ca-file, the private root being untrusted: UNTRUSTED with the --ca-file hint, not INCOMPLETE_CHAIN', async () => {
    const { code, stdout } = await run([at('good')]);
    expect(code).toBe(2);
    expect(stdout).toContain('UNTRUSTED');
    expect(stdout).toContain('--ca-file');
    expect(stdout).not.toContain('INCOMPLETE_CHAIN');
  });

  it('exits 3 when a target cannot be checked, reporting the error', async () => {
    const { code, stdout } = await run(['--ca-file', caFile, '--timeout', '2000', at('good'), at('closed')]);
    expect(code).toBe(3);
    expect(stdout).toContain('CONNECTION_REFUSED');
    const json = JSON.parse((await run(['--json', at('closed')])).stdout);
    expect(json.results[0]).toMatchObject({ status: 'error', error: { code: 'CONNECTION_REFUSED' } });
  });

  it('reads targets from a file with comments, and from YAML', async () => {
    const list = join(dir, 'targets.txt');
    writeFileSync(list, `# endpoints\n${at('good')}   # the good one\n\n${at('warn')}\n`);
    const fromList = await run(['--json', '--ca-file', caFile, '--file', list]);
    expect(JSON.parse(fromList.stdout).results.map((r: { target: string }) => r.target)).toEqual([
      at('good'),
      at('warn'),
    ]);
    expect(fromList.code).toBe(1);
    const yaml = join(dir, 'targets.yaml');
    writeFileSync(yaml, `- host: 127.0.0.1\n  port: ${port.good}\n  labels: { team: web }\n`);
    const fromYaml = await run(['--json', '--ca-file', caFile, '--file', yaml]);
    expect(fromYaml.code).toBe(0);
    expect(JSON.parse(fromYaml.stdout).results[0].labels).toEqual({ team: 'web' });
  });

  it('draws a progress bar on a TTY for long runs only', async () => {
    const many = Array.from({ length: 21 }, () => at('good'));
    const tty = await run(['--ca-file', caFile, ...many], true);
    expect(tty.code).toBe(0);
    expect(tty.stderr).toContain('21/21');
    const piped = await run(['--ca-file', caFile, ...many], false);
    expect(piped.stderr).toBe('');
  });

  it.each([
    [
      ['--ca-file', '/nonexistent/ca.pem', '127.0.0.1:443'],
      /cannot read --ca-file \/nonexistent\/ca\.pem: ENOENT/,
    ],
    [['--bogus', '127.0.0.1'], /unknown option --bogus/],
    [[], /no targets/],
    [['--timeout', 'soon', '127.0.0.1'], /--timeout must be a positive whole number/],
    [['--starttls', 'gopher', '127.0.0.1'], /unknown STARTTLS protocol 'gopher'/],
    [['host:99999'], /port must be 1-65535/],
    [
      ['--warn-days', '5', '--critical-days', '7', '127.0.0.1'],
      /--critical-days \(7\) must not exceed --warn-days \(5\)/,
    ],
  ])('exits 3 with a clear message for bad usage %j', async (args, message) => {
    const { code, stdout, stderr } = await run(args);
    expect(code).toBe(3);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 3 when --ca-file holds no valid certificate', async () => {
    const garbage = join(dir, 'garbage.pem');
    writeFileSync(garbage, 'not a certificate\n');
    const bad = join(dir, 'bad.pem');
    writeFileSync(bad, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    for (const file of [garbage, bad]) {
      const { code, stderr } = await run(['--ca-file', file, at('good')]);
      expect(code).toBe(3);
      expect(stderr).toContain(`--ca-file ${file}`);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('prints usage with --help and exits 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: cert-watch check');
  });
});

describe('the cert-watch executable', () => {
  it('runs `check` as users call it and exits 3 for an endpoint that refuses connections', async () => {
    const { execFile } = await import('node:child_process');
    const port = await closedPort();
    const cli = join(__dirname, '..', '..', 'bin', 'cert-watch.cjs');
    const out = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        [cli, 'check', `127.0.0.1:${port}`, '--json', '--timeout', '2000'],
        (error, stdout) => resolve({ code: error ? Number((error as { code?: number }).code) : 0, stdout }),
      );
    });
    expect(out.code).toBe(3);
    const json = JSON.parse(out.stdout) as {
      results: { target: string; status: string; error: { code: string } }[];
    };
    expect(json.results).toEqual([
      expect.objectContaining({
        target: `127.0.0.1:${port}`,
        status: 'error',
        error: expect.objectContaining({ code: 'CONNECTION_REFUSED' }),
      }),
    ]);
  });
});
