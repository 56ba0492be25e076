/** `cert-watch scan file`: real certificates on disk, garbage among them, through the CLI's main(). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../bin/cert-watch';
import { createChain, daysFrom, type GeneratedChain } from '../support/certs';

const NOW = new Date();
let dir: string;
let soon: GeneratedChain;
let later: GeneratedChain;

const capture = () => {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (b: Buffer) => {
    text += b.toString();
  });
  return { stream, text: () => text };
};

const cli = async (args: string[]) => {
  const out = capture();
  const err = capture();
  const code = await main(args, { stdout: out.stream, stderr: err.stream, env: {}, now: () => NOW });
  return { code, stdout: out.text(), stderr: err.text() };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cert-watch-files-'));
  soon = await createChain({
    now: NOW,
    leaf: {
      commonName: 'soon.example.com',
      notBefore: daysFrom(NOW, -80),
      notAfter: daysFrom(NOW, 5.5),
      key: { kind: 'rsa' },
    },
  });
  later = await createChain({
    now: NOW,
    leaf: { commonName: 'later.example.com', notBefore: daysFrom(NOW, -10), notAfter: daysFrom(NOW, 90) },
  });
  writeFileSync(join(dir, 'fullchain.pem'), soon.leaf.certPem + soon.intermediate.certPem);
  writeFileSync(join(dir, 'later.pem'), later.leaf.certPem + later.leaf.keyPem);
  writeFileSync(join(dir, 'later.der'), Buffer.from(later.leaf.cert.rawData));
  // A bundle whose second block is corrupted: base64 that decodes to garbage DER.
  writeFileSync(
    join(dir, 'mixed.pem'),
    `${later.leaf.certPem}-----BEGIN CERTIFICATE-----\nTUlJQmFkQ2VydGlmaWNhdGVEYXRhSGVyZQ==\n-----END CERTIFICATE-----\n`,
  );
  writeFileSync(join(dir, 'garbage.pem'), 'this is not a certificate at all\n\u0000\u0001binary');
  writeFileSync(join(dir, 'key-only.pem'), later.leaf.keyPem);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cert-watch scan file', () => {
  it('grades every certificate of a PEM chain and exits 2 for one inside the critical window', async () => {
    const out = await cli(['scan', 'file', '--json', join(dir, 'fullchain.pem')]);
    expect(out.code).toBe(2);
    const json = JSON.parse(out.stdout) as { certificates: Record<string, unknown>[]; errors: unknown[] };
    expect(json.errors).toEqual([]);
    expect(json.certificates.map((c) => [c.domain, c.severity])).toEqual([
      ['soon.example.com', 'critical'],
      ['Test Intermediate CA', 'ok'],
    ]);
    expect(json.certificates[0]).toMatchObject({
      source: 'file',
      id: `${join(dir, 'fullchain.pem')}#1`,
      keyAlgorithm: 'RSA_2048',
    });
  });

  it('a certificate not valid yet is critical (clients reject it) whatever its expiry; expirySeverity says ok', async () => {
    const early = await createChain({
      now: NOW,
      leaf: { commonName: 'early.example.com', notBefore: daysFrom(NOW, 2), notAfter: daysFrom(NOW, 300.5) },
    });
    writeFileSync(join(dir, 'early.pem'), early.leaf.certPem);
    const out = await cli(['scan', 'file', '--json', join(dir, 'early.pem')]);
    expect(out.code).toBe(2);
    const [c] = (JSON.parse(out.stdout) as { certificates: Record<string, unknown>[] }).certificates;
    expect(c).toMatchObject({ severity: 'critical', expirySeverity: 'ok', daysRemaining: 300 });
  });

  it('days remaining agree with openssl x509 -enddate', async () => {
    const out = await cli(['scan', 'file', '--json', join(dir, 'fullchain.pem')]);
    const json = JSON.parse(out.stdout) as { certificates: { notAfter: string; daysRemaining: number }[] };
    const enddate = execFileSync('openssl', [
      'x509',
      '-noout',
      '-enddate',
      '-in',
      join(dir, 'fullchain.pem'),
    ]).toString();
    const notAfter = new Date(enddate.replace('notAfter=', '').trim());
    expect(json.certificates[0]?.notAfter).toBe(notAfter.toISOString());
    expect(json.certificates[0]?.daysRemaining).toBe(
      Math.floor((notAfter.getTime() - NOW.getTime()) / 86_400_000),
    );
  });

  it('reads DER files and skips private keys in a bundle without echoing them', async () => {
    const out = await cli(['scan', 'file', join(dir, 'later.pem'), join(dir, 'later.der')]);
    expect(out.code).toBe(0);
    expect(out.stdout.match(/later\.example\.com/g)).toHaveLength(2);
    expect(out.stdout).not.toContain('PRIVATE KEY');
    expect(out.stdout).not.toContain(later.leaf.keyPem.split('\n')[1]);
  });

  it('a malformed block is reported with its position while the good one still counts', async () => {
    const out = await cli(['scan', 'file', '--json', join(dir, 'mixed.pem')]);
    expect(out.code).toBe(3);
    const json = JSON.parse(out.stdout) as {
      certificates: { domain: string }[];
      errors: { item: string; code: string; message: string }[];
    };
    expect(json.certificates.map((c) => c.domain)).toEqual(['later.example.com']);
    expect(json.errors).toEqual([
      {
        item: `${join(dir, 'mixed.pem')}#2`,
        code: 'MALFORMED_CERTIFICATE',
        message: expect.stringMatching(/^block 2 is not a valid certificate/),
      },
    ]);
  });

  it('garbage, a key-only file and a missing file each give a clear error, exit 3, and the rest is still graded', async () => {
    const out = await cli([
      'scan',
      'file',
      join(dir, 'garbage.pem'),
      join(dir, 'key-only.pem'),
      join(dir, 'missing.pem'),
      join(dir, 'later.pem'),
    ]);
    expect(out.code).toBe(3);
    expect(out.stdout).toMatch(/OK\s+\d+\s.*later\.example\.com/);
    expect(out.stdout).toContain(
      `UNKNOWN: ${join(dir, 'garbage.pem')}: NOT_A_CERTIFICATE: no PEM certificate block found and not a DER certificate`,
    );
    expect(out.stdout).toContain(
      `UNKNOWN: ${join(dir, 'key-only.pem')}: NOT_A_CERTIFICATE: the file holds PEM blocks but no CERTIFICATE block`,
    );
    expect(out.stdout).toMatch(/UNKNOWN: file .*missing\.pem could not be read: ENOENT/);
  });

  it('usage errors exit 3 with a message', async () => {
    const out = await cli(['scan', 'file']);
    expect(out.code).toBe(3);
    expect(out.stderr).toContain('no file given');
  });
});
