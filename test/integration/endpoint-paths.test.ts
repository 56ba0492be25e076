/**
 * The path rule and the anchor rule (docs/endpoints.md) against real local TLS servers with
 * certificates generated at test time: expiry and trust are judged on the path a client builds,
 * the trust anchor's own notAfter counts, and sent certificates off the path are only a note.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeConfigFromEnv } from '../../lambda/handlers/make-probe-handler';
import { probeAll, probeTarget } from '../../lambda/sources/endpoint/probe';
import type { ProbeOptions, ProbeResult } from '../../lambda/sources/endpoint/types';
import { verdictOf } from '../../lambda/sources/endpoint/verdict';
import { createCertificate, DAY_MS, daysFrom, type GeneratedCert } from '../support/certs';
import { runCheckCaptured } from '../support/cli-check-run';
import { endpointsFileEnv } from '../support/endpoints-file';
import { pemChain, type RunningServer, startTlsServer } from '../support/tls-servers';

const setupNow = new Date();
const probeNow = new Date(setupNow.getTime() + 3_600_000);
const floorDays = (d: Date): number => Math.floor((d.getTime() - probeNow.getTime()) / DAY_MS);
const servers: RunningServer[] = [];
let dir: string;

const span = (days: number, before = 100) => ({
  notBefore: daysFrom(setupNow, -before),
  notAfter: daysFrom(setupNow, days),
});
const ca = (commonName: string, days: number, issuer?: GeneratedCert, keys?: GeneratedCert['keys']) =>
  createCertificate({
    commonName,
    ...span(days, 400),
    isCa: true,
    ...(issuer ? { issuer } : {}),
    ...(keys ? { keys } : {}),
  });
const leafOf = (issuer: GeneratedCert, days: number) =>
  createCertificate({
    commonName: 'path.test',
    ipAddresses: ['127.0.0.1'],
    dnsNames: ['path.test'],
    ...span(days, 10),
    issuer,
  });

const serve = async (leaf: GeneratedCert, ...rest: GeneratedCert[]): Promise<number> => {
  const s = await startTlsServer({
    key: leaf.keyPem,
    cert: pemChain(leaf.certPem, ...rest.map((c) => c.certPem)),
  });
  servers.push(s);
  return s.port;
};
const probe = async (
  port: number,
  caPems: string[],
  extra: Partial<ProbeOptions> = {},
): Promise<ProbeResult> => {
  const [r] = await probeTarget(
    { host: 'path.test', port },
    {
      now: () => probeNow,
      caPems,
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
      timeoutMs: 5_000,
      ...extra,
    },
  );
  return r!;
};
const codes = (r: ProbeResult) => r.problems.map((p) => p.code).sort();

const check = async (args: string[]) => {
  const { code, stdout } = await runCheckCaptured(args, { now: () => probeNow });
  return { code, json: JSON.parse(stdout) as { results: ProbeResult[] } };
};
const pemFile = (name: string, ...certs: GeneratedCert[]): string => {
  const path = join(dir, name);
  writeFileSync(path, pemChain(...certs.map((c) => c.certPem)));
  return path;
};

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'endpoint-paths-'));
});

describe('the path rule: sent certificates off the verified path never drive the verdict', () => {
  let oldRoot: GeneratedCert;
  let newRoot: GeneratedCert;
  let intermediate: GeneratedCert;
  let leaf: GeneratedCert;

  beforeAll(async () => {
    oldRoot = await ca('Path Old Root', 3000);
    newRoot = await ca('Path New Root', 3650);
    intermediate = await ca('Path Intermediate', 1000, newRoot);
    leaf = await leafOf(intermediate, 200);
  });

  // The trusted root's cross-certificate from an older root (same name and key as the new root).
  const crossSigned = (days: number) =>
    createCertificate({
      commonName: 'Path New Root',
      notBefore: daysFrom(setupNow, -800),
      notAfter: daysFrom(setupNow, days),
      isCa: true,
      issuer: oldRoot,
      keys: newRoot.keys,
    });

  it('ignores an expired cross-certificate the server also sends (check --ca-file: OK, exit 0)', async () => {
    const cross = await crossSigned(-30);
    const port = await serve(leaf, intermediate, cross);
    const { code, json } = await check([
      '--json',
      '--ca-file',
      pemFile('new-root.pem', newRoot),
      `127.0.0.1:${port}`,
    ]);
    const r = json.results[0]!;
    expect(code).toBe(0);
    expect(r.status).toBe('ok');
    expect(r.daysRemaining).toBe(floorDays(leaf.spec.notAfter));
    expect(r.earliestExpiry!.role).toBe('leaf');
    expect(r.path!.map((e) => [e.role, e.subject, e.source])).toEqual([
      ['leaf', 'CN=path.test', 'sent'],
      ['intermediate', 'CN=Path Intermediate', 'sent'],
      ['root', 'CN=Path New Root', 'trust-store'],
    ]);
    expect(r.chain.map((e) => e.onPath)).toEqual([true, true, false]);
    const note = r.problems.find((p) => p.code === 'EXTRA_CERTIFICATE')!;
    expect(note.severity).toBe('info');
    expect(note.message).toContain("'CN=Path New Root'");
    expect(note.message).toMatch(/expired \d{4}-\d\d-\d\d, 30 days ago/);
    expect(codes(r)).toEqual(['EXTRA_CERTIFICATE']);
  });

  it('does not turn a cross-certificate with 20 days left into a 20-day warning', async () => {
    const port = await serve(leaf, intermediate, await crossSigned(20));
    const r = await probe(port, [newRoot.certPem]);
    expect(r.status).toBe('ok');
    expect(verdictOf(r)).toBe('ok');
    expect(r.daysRemaining).toBe(floorDays(leaf.spec.notAfter));
  });

  it('of two trusted paths, judges the one that lives longest (not the one through an old root about to expire)', async () => {
    const dyingOldRoot = await ca('Path Old Root', 20, undefined, oldRoot.keys);
    const cross = await crossSigned(900);
    const port = await serve(leaf, intermediate, cross);
    const r = await probe(port, [dyingOldRoot.certPem, newRoot.certPem]);
    expect(r.path!.map((e) => e.subject)).toEqual([
      'CN=path.test',
      'CN=Path Intermediate',
      'CN=Path New Root',
    ]);
    expect(r.status).toBe('ok');
    expect(r.daysRemaining).toBe(floorDays(leaf.spec.notAfter));
    // Only the old path is left when the new root is not trusted: then its anchor drives the verdict.
    const only = await probe(port, [dyingOldRoot.certPem]);
    expect(only.path!.map((e) => e.subject)).toEqual([
      'CN=path.test',
      'CN=Path Intermediate',
      'CN=Path New Root',
      'CN=Path Old Root',
    ]);
    expect(only.earliestExpiry).toMatchObject({ role: 'root', subject: 'CN=Path Old Root', index: 3 });
    expect(only.daysRemaining).toBe(floorDays(dyingOldRoot.spec.notAfter));
    expect(only.status).toBe('warning');
  });

  it('still lets an intermediate on the path that expires first drive the verdict', async () => {
    const shortIntermediate = await ca('Path Short Intermediate', 10, newRoot);
    const shortLeaf = await leafOf(shortIntermediate, 200);
    const port = await serve(shortLeaf, shortIntermediate);
    const r = await probe(port, [newRoot.certPem]);
    expect(r.earliestExpiry).toMatchObject({
      role: 'intermediate',
      subject: 'CN=Path Short Intermediate',
      index: 1,
    });
    expect(r.daysRemaining).toBe(floorDays(shortIntermediate.spec.notAfter));
    expect(r.status).toBe('warning');
    expect(codes(r)).toEqual(['CHAIN_EXPIRING']);
    expect(r.path!.map((e) => e.role)).toEqual(['leaf', 'intermediate', 'root']);
  });
});

describe('the anchor rule: the path dies with its trust anchor', () => {
  let privateRoot: GeneratedCert;
  let intermediate: GeneratedCert;
  let leaf: GeneratedCert;

  beforeAll(async () => {
    privateRoot = await ca('Private Root 5 Days', 5);
    intermediate = await ca('Private Intermediate', 1000, privateRoot);
    leaf = await leafOf(intermediate, 200);
  });

  it('counts a --ca-file root that expires in 5 days (critical, exit 2), sent by the server or not', async () => {
    const caFile = pemFile('private-root.pem', privateRoot);
    for (const port of [await serve(leaf, intermediate), await serve(leaf, intermediate, privateRoot)]) {
      const { code, json } = await check(['--json', '--ca-file', caFile, `127.0.0.1:${port}`]);
      const r = json.results[0]!;
      expect(code).toBe(2);
      expect(r.status).toBe('critical');
      expect(r.daysRemaining).toBe(floorDays(privateRoot.spec.notAfter));
      expect(r.earliestExpiry).toMatchObject({ role: 'root', subject: 'CN=Private Root 5 Days' });
      const expiring = r.problems.find((p) => p.code === 'CHAIN_EXPIRING')!;
      expect(expiring.message).toContain("root 'CN=Private Root 5 Days' expires");
    }
  });

  it("counts the deployed prober's CA bundle (CA_FILE) the same way", async () => {
    const config = probeConfigFromEnv({
      EVENT_BUS_NAME: 'bus',
      PROBE_TIMEOUT_MS: '5000',
      PROBE_CONCURRENCY: '4',
      CA_FILE: pemFile('bundle.pem', privateRoot),
      ...endpointsFileEnv(),
    });
    const port = await serve(leaf, intermediate);
    const [r] = await probeAll([{ host: 'path.test', port }], {
      caPems: config.caPems,
      now: () => probeNow,
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    expect(r!.status).toBe('critical');
    expect(r!.earliestExpiry!.role).toBe('root');
    expect(r!.notAfter).toBe(privateRoot.cert.notAfter.toISOString());
  });

  it('reports an expired anchor as EXPIRED, naming the root', async () => {
    const deadRoot = await ca('Dead Root', -3);
    const deadIntermediate = await ca('Dead Root Intermediate', 1000, deadRoot);
    const port = await serve(await leafOf(deadIntermediate, 200), deadIntermediate);
    const r = await probe(port, [deadRoot.certPem]);
    expect(r.status).toBe('expired');
    expect(r.problems.find((p) => p.code === 'EXPIRED')!.message).toContain("root 'CN=Dead Root'");
  });
});
