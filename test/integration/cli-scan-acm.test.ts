/**
 * `cert-watch scan acm` as a user runs it: a child process with the standard credential chain
 * and AWS_ENDPOINT_URL pointing at the local AWS.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ACMClient } from '@aws-sdk/client-acm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Seeded, seedAcm, standardSeed } from '../support/acm-seed';
import { type Moto, startMoto } from '../support/moto';

const run = promisify(execFile);
const CLI = join(__dirname, '..', '..', 'bin', 'cert-watch.cjs');
let moto: Moto;
let seeded: Seeded[];

const cli = async (args: string[], env: Record<string, string>) => {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

beforeAll(async () => {
  moto = await startMoto();
  seeded = await seedAcm(
    (r) => new ACMClient(moto.clientConfig(r)),
    standardSeed(['eu-west-1', 'eu-central-1']),
  );
});
afterAll(async () => moto?.stop());

describe('cert-watch scan acm', () => {
  it('prints the JSON contract for both regions and exits 2 when something expired', async () => {
    const out = await cli(
      ['scan', 'acm', '--regions', 'eu-west-1,eu-central-1', '--json'],
      moto.env('eu-west-1'),
    );
    expect(out.code).toBe(2);
    const json = JSON.parse(out.stdout) as { certificates: Record<string, unknown>[]; errors: unknown[] };
    expect(json.errors).toEqual([]);
    expect(json.certificates).toHaveLength(seeded.length);
    for (const c of json.certificates) {
      expect(Object.keys(c)).toEqual(
        expect.arrayContaining([
          'source',
          'id',
          'region',
          'domain',
          'sans',
          'notAfter',
          'daysRemaining',
          'severity',
          'type',
          'keyAlgorithm',
          'inUse',
          'status',
        ]),
      );
    }
    const severities = Object.fromEntries(json.certificates.map((c) => [c.domain, c.severity]));
    for (const s of seeded) {
      expect(severities[s.name], s.name).toBe(
        s.days === 'expired' ? 'expired' : s.days < 7 ? 'critical' : s.days <= 30 ? 'warning' : 'ok',
      );
    }
    // Sorted by expiry, soonest first.
    const notAfters = json.certificates.map((c) => Date.parse(String(c.notAfter)));
    expect([...notAfters].sort((a, b) => a - b)).toEqual(notAfters);
  });

  it('prints a table sorted by expiry by default', async () => {
    const out = await cli(['scan', 'acm', '--regions', 'eu-west-1'], moto.env('eu-west-1'));
    expect(out.code).toBe(2);
    const lines = out.stdout.split('\n');
    expect(lines[0]).toMatch(/^SEVERITY\s+DAYS\s+NOT AFTER/);
    // Expired seconds ago: under 48 hours the DAYS column says hours, truncated (docs/endpoints.md, "Rounding").
    expect(lines[1]).toMatch(/^EXPIRED\s+0h\s.*expired\.eu-west-1\.example\.com/);
    expect(lines[2]).toMatch(/^CRITICAL\s+3\s.*three-days\.eu-west-1/);
    expect(lines[3]).toMatch(/^WARNING\s+20\s.*twenty-days\.eu-west-1/);
    expect(lines[4]).toMatch(/^OK\s+(199|200)\s.*healthy\.eu-west-1/);
    expect(out.stdout).toContain('4 certificate(s): 1 expired, 1 critical, 1 warning, 1 ok in 1 region(s)');
  });

  it('takes the region from AWS_REGION when --regions is absent', async () => {
    const out = await cli(['scan', 'acm', '--json'], moto.env('eu-central-1'));
    const json = JSON.parse(out.stdout) as { certificates: { region: string }[] };
    expect(new Set(json.certificates.map((c) => c.region))).toEqual(new Set(['eu-central-1']));
  });

  it('--warn-days widens the window: the 200-day certificate becomes a warning', async () => {
    const out = await cli(
      ['scan', 'acm', '--regions', 'eu-west-1', '--warn-days', '365', '--critical-days', '1', '--json'],
      moto.env('eu-west-1'),
    );
    const json = JSON.parse(out.stdout) as { certificates: { domain: string; severity: string }[] };
    expect(json.certificates.find((c) => c.domain.startsWith('healthy'))?.severity).toBe('warning');
    expect(json.certificates.find((c) => c.domain.startsWith('three-days'))?.severity).toBe('warning');
  });

  it('exits 3 with the failed region in "errors" when a region cannot be listed', async () => {
    const out = await cli(
      ['scan', 'acm', '--regions', 'eu-west-1', '--json', '--warn-days', '1', '--critical-days', '0'],
      {
        ...moto.env('eu-west-1'),
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        AWS_MAX_ATTEMPTS: '1',
      },
    );
    expect(out.code).toBe(3);
    const json = JSON.parse(out.stdout) as { errors: { region: string; code: string; message: string }[] };
    expect(json.errors).toHaveLength(1);
    expect(json.errors[0]?.region).toBe('eu-west-1');
    expect(json.errors[0]?.message).toMatch(/ECONNREFUSED|connect/);
  });

  it('rejects bad options with a message and exit 3, no stack trace', async () => {
    const cases = [
      ['scan', 'acm', '--regions', 'Europe'],
      ['scan', 'acm', '--regions', 'eu-west-1', '--warn-days', 'soon'],
      ['scan', 'acm', '--regions', 'eu-west-1', '--critical-days', '40'],
      ['scan', 'acm', '--bogus'],
    ];
    // Independent processes: run at once rather than paying four process start-ups in a row.
    const outs = await Promise.all(cases.map((args) => cli(args, moto.env('eu-west-1'))));
    cases.forEach((args, i) => {
      const out = outs[i]!;
      expect(out.code, args.join(' ')).toBe(3);
      expect(out.stderr, args.join(' ')).toMatch(/^cert-watch: /m);
      expect(out.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
    });
  });
});
