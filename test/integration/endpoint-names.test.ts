/**
 * Names as clients use them, against real local TLS servers: internationalised names go on the
 * wire (resolution, SNI) and into matching as A-labels (UTS-46) and are shown in Unicode beside
 * them; names resolve the way the system does, once per name per run.
 */
import * as dns from 'node:dns';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseTargetSpec } from '../../lambda/contracts/endpoints';
import { InvalidTargetError, probeAll, probeTarget } from '../../lambda/sources/endpoint/probe';
import { createCertificate, daysFrom, type GeneratedCert } from '../support/certs';
import { runCheckCaptured } from '../support/cli-check-run';
import { type RunningServer, startTlsServer } from '../support/tls-servers';

const now = new Date();
const servers: RunningServer[] = [];
let root: GeneratedCert;
let dir: string;
let caFile: string;
let idn: RunningServer;

const leafFor = (dnsNames: string[], ipAddresses: string[] = []) =>
  createCertificate({
    commonName: dnsNames[0]!,
    dnsNames,
    ipAddresses,
    notBefore: daysFrom(now, -1),
    notAfter: daysFrom(now, 200),
    issuer: root,
  });
const startFor = async (leaf: GeneratedCert): Promise<RunningServer> => {
  const s = await startTlsServer({ key: leaf.keyPem, cert: leaf.certPem });
  servers.push(s);
  return s;
};
const check = async (args: string[]) => {
  const { code, stdout, stderr } = await runCheckCaptured(args);
  return { code, out: stdout, err: stderr };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'endpoint-names-'));
  root = await createCertificate({
    commonName: 'Names Root',
    notBefore: daysFrom(now, -10),
    notAfter: daysFrom(now, 3000),
    isCa: true,
  });
  caFile = join(dir, 'root.pem');
  writeFileSync(caFile, root.certPem);
  idn = await startFor(await leafFor(['xn--bcher-kva.example']));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('internationalised names', () => {
  it('accepts bücher.example:443 as a target', () => {
    expect(parseTargetSpec('bücher.example:443')).toEqual({ host: 'bücher.example', port: 443 });
    expect(() => parseTargetSpec('bü cher.example')).toThrow(/not a host name/);
    expect(() => parseTargetSpec('bü/cher.example')).toThrow(/not a host name/);
  });

  it('resolves, sends SNI and matches the A-label form, and shows the Unicode form beside it', async () => {
    const asked: string[] = [];
    const before = idn.servernames.length;
    const [r] = await probeTarget(
      { host: 'bücher.example', port: idn.port },
      {
        caPems: [root.certPem],
        resolve: async (host) => {
          asked.push(host);
          return [{ address: '127.0.0.1', family: 4 }];
        },
      },
    );
    expect(asked).toEqual(['xn--bcher-kva.example']);
    // Both handshakes (the second looks for a dual certificate) send the A-label SNI.
    expect(idn.servernames.slice(before)).toEqual(['xn--bcher-kva.example', 'xn--bcher-kva.example']);
    expect(r).toMatchObject({
      host: 'xn--bcher-kva.example',
      target: `xn--bcher-kva.example:${idn.port}`,
      servername: 'xn--bcher-kva.example',
      displayName: 'bücher.example',
      status: 'ok',
      problems: [],
    });
  });

  it('check --servername bücher.example: no HOSTNAME_MISMATCH, exit 0, Unicode in the table', async () => {
    const json = await check([
      '--json',
      '--ca-file',
      caFile,
      '--servername',
      'bücher.example',
      `127.0.0.1:${idn.port}`,
    ]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out).results[0]).toMatchObject({
      servername: 'xn--bcher-kva.example',
      problems: [],
    });
    const table = await check([
      '--ca-file',
      caFile,
      '--servername',
      'BÜCHER.example',
      `127.0.0.1:${idn.port}`,
    ]);
    expect(table.code).toBe(0);
    expect(table.out).toContain('(bücher.example)');
  });

  it('refuses a name UTS-46 cannot convert (exit 3), before any probe', async () => {
    await expect(probeTarget({ host: 'xn--zz.example' })).rejects.toBeInstanceOf(InvalidTargetError);
    await expect(probeTarget({ host: 'x.test', servername: 'bü/x' })).rejects.toBeInstanceOf(
      InvalidTargetError,
    );
    const { code, err } = await check(['xn--zz.example']);
    expect(code).toBe(3);
    expect(err).toContain('not a valid internationalised domain name');
  });
});

describe('name resolution', () => {
  it('resolves each name once per run, however many ports are probed', async () => {
    const leaf = await leafFor(['many.test']);
    const ports = await Promise.all([1, 2, 3, 4, 5].map(async () => (await startFor(leaf)).port));
    const asked: string[] = [];
    const results = await probeAll(
      [...ports.map((port) => ({ host: 'many.test', port })), { host: 'MANY.test', port: ports[0]! }],
      {
        caPems: [root.certPem],
        concurrency: 6,
        resolve: async (host) => {
          asked.push(host);
          return [{ address: '127.0.0.1', family: 4 }];
        },
      },
    );
    expect(results.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(asked).toEqual(['many.test']);
  });

  it('probes localhost:PORT targets through the system resolver (hosts file), never a DNS server', async () => {
    const dnsQuery = vi.spyOn(dns.promises.Resolver.prototype, 'resolve4');
    const leaf = await leafFor(['localhost'], ['127.0.0.1']);
    const ports = await Promise.all([1, 2, 3].map(async () => (await startFor(leaf)).port));
    const results = await probeAll(
      ports.map((port) => ({ host: 'localhost', port })),
      { caPems: [root.certPem], timeoutMs: 5_000 },
    );
    const v4 = results.filter((r) => r.address === '127.0.0.1');
    expect(v4).toHaveLength(3);
    expect(v4.every((r) => r.status === 'ok' && r.problems.length === 0)).toBe(true);
    expect(dnsQuery).not.toHaveBeenCalled();
    dnsQuery.mockRestore();
  });
});
