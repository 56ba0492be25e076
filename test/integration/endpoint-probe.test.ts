/**
 * The prober against real Node TLS servers on loopback, one per case, with certificates generated
 * at test time, plus raw TCP servers that misbehave. Probes use an injected resolver and clock.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeAll, probeTarget } from '../../lambda/sources/endpoint/probe';
import type { EndpointTarget, ProbeOptions, ProbeResult } from '../../lambda/sources/endpoint/types';
import {
  createCertificate,
  type createChain,
  DAY_MS,
  daysFrom,
  type GeneratedCert,
  type GeneratedChain,
} from '../support/certs';
import {
  activeSocketCount,
  closedPort,
  type HostileBehaviour,
  openFdCount,
  pemChain,
  type RunningServer,
  startHostileServer,
  startSmtpServer,
  startTlsServer,
} from '../support/tls-servers';

const setupNow = new Date();
// Probe an hour after the certificates were made, so day counts are unambiguous.
const probeNow = new Date(setupNow.getTime() + 3_600_000);
const floorDays = (notAfter: Date): number => Math.floor((notAfter.getTime() - probeNow.getTime()) / DAY_MS);

const servers: RunningServer[] = [];
const start = async (...args: Parameters<typeof startTlsServer>): Promise<RunningServer> => {
  const s = await startTlsServer(...args);
  servers.push(s);
  return s;
};
const startHostile = async (behaviour: HostileBehaviour): Promise<RunningServer> => {
  const s = await startHostileServer(behaviour);
  servers.push(s);
  return s;
};

let root: GeneratedCert;
let selfSigned: GeneratedCert;
const chains: Record<string, GeneratedChain> = {};
const ports: Record<string, number> = {};
const serverOf: Record<string, RunningServer> = {};

const loopback: ProbeOptions['resolve'] = async () => [{ address: '127.0.0.1', family: 4 }];
const opts = (extra: Partial<ProbeOptions> = {}): ProbeOptions => ({
  now: () => probeNow,
  caPems: [root.certPem],
  resolve: loopback,
  timeoutMs: 5_000,
  ...extra,
});
const probeOne = async (
  host: string,
  name: string,
  extra: Partial<ProbeOptions> = {},
): Promise<ProbeResult> => {
  const results = await probeTarget({ host, port: ports[name]! }, opts(extra));
  expect(results).toHaveLength(1);
  return results[0]!;
};
const codes = (r: ProbeResult): string[] => r.problems.map((p) => p.code).sort();

/**
 * Fails fast, naming the probe, when `work` has not settled after `ms`, instead of hanging until
 * the test times out: a deadline that does not hold. Far above any deadline used here, so a busy
 * machine never trips it; how long a probe takes is not asserted.
 */
const settles = async <T>(work: Promise<T>, what: string, ms = 15_000): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} still running after ${ms} ms: its deadline did not hold`)),
      ms,
    );
  });
  try {
    return await Promise.race([work, hung]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * Probe options that count the probes in flight: started (the resolver is asked; one name per
 * target, since a run resolves each name once) minus done.
 */
const countingInFlight = () => {
  let started = 0;
  let done = 0;
  let peak = 0;
  return {
    peak: () => peak,
    started: () => started,
    resolve: async () => {
      started++;
      peak = Math.max(peak, started - done);
      return [{ address: '127.0.0.1', family: 4 as const }];
    },
    onProgress: (n: number) => {
      done = n;
    },
  };
};

/** A chain under the shared test root, served leaf + intermediate. */
const serveChain = async (
  name: string,
  leaf: Parameters<typeof createChain>[0]['leaf'],
  intermediate?: Parameters<typeof createChain>[0]['intermediate'],
  send: (c: GeneratedChain) => string = (c) => pemChain(c.leaf.certPem, c.intermediate.certPem),
): Promise<GeneratedChain> => {
  // Every case hangs off the shared root, so one caPems trusts them all.
  const inter = await createCertificate({
    commonName: `Intermediate for ${name}`,
    notBefore: daysFrom(setupNow, -365),
    notAfter: daysFrom(setupNow, 1825),
    ...intermediate,
    issuer: root,
    isCa: true,
  });
  const lf = await createCertificate({ ...leaf, issuer: inter });
  const chain: GeneratedChain = {
    root,
    intermediate: inter,
    leaf: lf,
    chainPem: pemChain(lf.certPem, inter.certPem),
  };
  chains[name] = chain;
  const s = await start({ key: lf.keyPem, cert: send(chain) });
  ports[name] = s.port;
  serverOf[name] = s;
  return chain;
};
const valid = (commonName: string, days = 90) => ({
  commonName,
  notBefore: daysFrom(setupNow, -80),
  notAfter: daysFrom(setupNow, days),
});

beforeAll(async () => {
  root = await createCertificate({
    commonName: 'Probe Test Root',
    notBefore: daysFrom(setupNow, -3650),
    notAfter: daysFrom(setupNow, 3650),
    isCa: true,
  });
  await serveChain('valid', valid('valid.test'));
  await serveChain('expiring', valid('expiring.test', 5));
  await serveChain('intermediate-expiring', valid('inter.test'), { notAfter: daysFrom(setupNow, 10) });
  await serveChain('expired', {
    commonName: 'expired.test',
    notBefore: daysFrom(setupNow, -100),
    notAfter: daysFrom(setupNow, -2),
  });
  await serveChain('intermediate-expired', valid('inter-expired.test'), {
    notBefore: daysFrom(setupNow, -400),
    notAfter: daysFrom(setupNow, -1),
  });
  await serveChain('not-yet-valid', {
    commonName: 'future.test',
    notBefore: daysFrom(setupNow, 2),
    notAfter: daysFrom(setupNow, 90),
  });
  // Public CAs name where the issuer is published (AIA caIssuers); not fetched unless asked to.
  await serveChain(
    'missing-intermediate',
    { ...valid('missing.test'), caIssuersUrl: 'http://127.0.0.1:9/intermediate.crt' },
    undefined,
    (c) => c.leaf.certPem,
  );
  await serveChain('wrong-host', valid('other.test'));
  await serveChain('wrong-host-expired', {
    commonName: 'other-expired.test',
    notBefore: daysFrom(setupNow, -100),
    notAfter: daysFrom(setupNow, -2),
  });
  await serveChain('ip-san', { ...valid('ip-san'), ipAddresses: ['127.0.0.1'] });
  await serveChain('rsa', { ...valid('rsa.test'), key: { kind: 'rsa', bits: 2048 } });
  await serveChain('weak', { ...valid('weak.test'), key: { kind: 'rsa', bits: 1024 }, hash: 'SHA-1' });

  selfSigned = await createCertificate(valid('self.test'));
  ports['self-signed'] = (await start({ key: selfSigned.keyPem, cert: selfSigned.certPem })).port;

  const tls12 = await createCertificate({ ...valid('tls.test'), issuer: root });
  ports.tls12 = (await start({ key: tls12.keyPem, cert: tls12.certPem, maxVersion: 'TLSv1.2' })).port;
  ports.tls13 = (await start({ key: tls12.keyPem, cert: tls12.certPem, minVersion: 'TLSv1.3' })).port;

  const sniDefault = await createCertificate({ ...valid('default.sni.test'), issuer: root });
  const sniA = await createCertificate({ ...valid('a.sni.test'), issuer: root });
  const sniB = await createCertificate({ ...valid('b.sni.test'), issuer: root });
  const sni = await start({
    key: sniDefault.keyPem,
    cert: sniDefault.certPem,
    sni: {
      'a.sni.test': { key: sniA.keyPem, cert: sniA.certPem },
      'b.sni.test': { key: sniB.keyPem, cert: sniB.certPem },
    },
  });
  ports.sni = sni.port;
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('probeTarget against well-behaved servers', () => {
  it('reports a valid chain as ok, with leaf, chain roles, TLS version and record', async () => {
    const r = await probeOne('valid.test', 'valid');
    const leaf = chains.valid!.leaf;
    expect(r.error).toBeNull();
    expect(r.status).toBe('ok');
    expect(r.problems).toEqual([]);
    expect(r.target).toBe(`valid.test:${ports.valid}`);
    expect(r.address).toBe('127.0.0.1');
    expect(r.servername).toBe('valid.test');
    expect(serverOf.valid!.servernames.at(-1)).toBe('valid.test');
    expect(r.tlsVersion).toBe('TLSv1.3');
    expect(r.chain.map((c) => c.role)).toEqual(['leaf', 'intermediate']);
    expect(r.chain[1]!.subject).toBe('CN=Intermediate for valid');
    expect(r.leaf).toMatchObject({
      subject: 'CN=valid.test',
      issuer: 'CN=Intermediate for valid',
      sans: ['valid.test'],
      keyType: 'EC',
      keySize: 256,
      signatureAlgorithm: 'ecdsa-with-SHA256',
      notAfter: leaf.cert.notAfter.toISOString(),
      notBefore: leaf.cert.notBefore.toISOString(),
    });
    expect(r.leaf!.serialNumber.toLowerCase()).toBe(leaf.cert.serialNumber.toLowerCase());
    const thumb = Buffer.from(await leaf.cert.getThumbprint('SHA-256')).toString('hex');
    expect(r.leaf!.fingerprintSha256.replaceAll(':', '').toLowerCase()).toBe(thumb);
    expect(r.daysRemaining).toBe(floorDays(leaf.cert.notAfter));
    expect(r.earliestExpiry).toMatchObject({ role: 'leaf', index: 0 });
    expect(r.record).toMatchObject({
      source: 'endpoint',
      id: `valid.test:${ports.valid}@127.0.0.1`,
      type: 'UNMANAGED',
      domain: 'valid.test',
    });
  });

  it('flags a certificate not signed by a trusted root as UNTRUSTED without caPems', async () => {
    const r = await probeOne('valid.test', 'valid', { caPems: [] });
    expect(codes(r)).toEqual(['UNTRUSTED']);
  });

  it('rates a leaf expiring in 5 days critical, days agreeing with openssl x509 -enddate', async () => {
    const r = await probeOne('expiring.test', 'expiring');
    const notAfter = chains.expiring!.leaf.cert.notAfter;
    expect(r.status).toBe('critical');
    expect(r.daysRemaining).toBe(floorDays(notAfter));
    expect([4, 5]).toContain(r.daysRemaining);
    const dir = mkdtempSync(join(tmpdir(), 'probe-'));
    try {
      const file = join(dir, 'leaf.pem');
      writeFileSync(file, chains.expiring!.leaf.certPem);
      const out = execFileSync('openssl', ['x509', '-enddate', '-noout', '-in', file], { encoding: 'utf8' });
      const opensslEnd = new Date(out.trim().replace(/^notAfter=/, ''));
      expect(Number.isNaN(opensslEnd.getTime())).toBe(false);
      expect(r.notAfter).toBe(opensslEnd.toISOString());
      expect(r.daysRemaining).toBe(floorDays(opensslEnd));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports an intermediate expiring before the leaf as CHAIN_EXPIRING and as the earliest expiry', async () => {
    const r = await probeOne('inter.test', 'intermediate-expiring');
    expect(codes(r)).toEqual(['CHAIN_EXPIRING']);
    expect(r.earliestExpiry).toMatchObject({
      role: 'intermediate',
      index: 1,
      subject: 'CN=Intermediate for intermediate-expiring',
    });
    expect(r.daysRemaining).toBe(floorDays(chains['intermediate-expiring']!.intermediate.cert.notAfter));
    expect(r.status).toBe('warning');
    expect(r.leaf!.daysRemaining).toBe(floorDays(chains['intermediate-expiring']!.leaf.cert.notAfter));
  });

  it('reports an expired leaf as expired', async () => {
    const r = await probeOne('expired.test', 'expired');
    expect(r.status).toBe('expired');
    expect(codes(r)).toEqual(['EXPIRED']);
    expect(r.daysRemaining).toBeLessThan(0);
  });

  it('reports an expired intermediate: EXPIRED and CHAIN_EXPIRING, status expired', async () => {
    const r = await probeOne('inter-expired.test', 'intermediate-expired');
    expect(r.status).toBe('expired');
    expect(codes(r)).toEqual(['CHAIN_EXPIRING', 'EXPIRED']);
    expect(r.earliestExpiry!.role).toBe('intermediate');
    expect(r.leaf!.daysRemaining).toBeGreaterThan(80);
  });

  it('reports a certificate that is not valid yet', async () => {
    const r = await probeOne('future.test', 'not-yet-valid');
    expect(codes(r)).toEqual(['NOT_YET_VALID']);
  });

  it('reports a self-signed certificate as SELF_SIGNED', async () => {
    const r = await probeOne('self.test', 'self-signed');
    expect(codes(r)).toEqual(['SELF_SIGNED']);
    expect(r.chain.map((c) => c.role)).toEqual(['leaf']);
  });

  it('trusts a self-signed certificate given as a CA', async () => {
    const r = await probeOne('self.test', 'self-signed', { caPems: [selfSigned.certPem] });
    expect(codes(r)).toEqual([]);
  });

  it('reports a server that omits its intermediate as INCOMPLETE_CHAIN', async () => {
    const r = await probeOne('missing.test', 'missing-intermediate');
    expect(codes(r)).toEqual(['INCOMPLETE_CHAIN']);
    expect(r.problems[0]!.message).toContain('http://127.0.0.1:9/intermediate.crt (not fetched');
    expect(r.chain).toHaveLength(1);
  });

  it('reports a certificate for another name as HOSTNAME_MISMATCH', async () => {
    const r = await probeOne('wrong.test', 'wrong-host');
    expect(codes(r)).toEqual(['HOSTNAME_MISMATCH']);
    expect(r.problems[0]!.message).toContain('other.test');
  });

  it('reports both HOSTNAME_MISMATCH and EXPIRED when both are true', async () => {
    const r = await probeOne('wrong.test', 'wrong-host-expired');
    expect(codes(r)).toEqual(['EXPIRED', 'HOSTNAME_MISMATCH']);
    expect(r.status).toBe('expired');
  });

  it('matches an IP target against IP SANs and sends no SNI', async () => {
    const before = serverOf['ip-san']!.servernames.length;
    const results = await probeTarget(
      { host: '127.0.0.1', port: ports['ip-san']! },
      opts({ resolve: undefined }),
    );
    const r = results[0]!;
    expect(results).toHaveLength(1);
    expect(r.servername).toBeNull();
    expect(codes(r)).toEqual([]);
    expect(r.leaf!.sans).toEqual(['127.0.0.1']);
    // Neither handshake (the second looks for a dual certificate) sends SNI.
    expect(serverOf['ip-san']!.servernames.slice(before)).toEqual([null, null]);
  });

  it('reports HOSTNAME_MISMATCH for an IP target whose certificate has no such IP SAN', async () => {
    const results = await probeTarget(
      { host: '127.0.0.1', port: ports.valid! },
      opts({ resolve: undefined }),
    );
    expect(codes(results[0]!)).toEqual(['HOSTNAME_MISMATCH']);
  });

  it('reads the certificate chosen by SNI', async () => {
    const a = await probeOne('a.sni.test', 'sni');
    const b = await probeOne('b.sni.test', 'sni');
    const other = await probeTarget(
      { host: 'a.sni.test', port: ports.sni!, servername: 'zzz.sni.test' },
      opts(),
    );
    expect(a.leaf!.subject).toBe('CN=a.sni.test');
    expect(b.leaf!.subject).toBe('CN=b.sni.test');
    expect(codes(a)).toEqual([]);
    expect(other[0]!.leaf!.subject).toBe('CN=default.sni.test');
    expect(other[0]!.servername).toBe('zzz.sni.test');
    expect(codes(other[0]!)).toEqual(['HOSTNAME_MISMATCH']);
  });

  it('reports the negotiated TLS version (1.2-only and 1.3-only servers)', async () => {
    expect((await probeOne('tls.test', 'tls12')).tlsVersion).toBe('TLSv1.2');
    expect((await probeOne('tls.test', 'tls13')).tlsVersion).toBe('TLSv1.3');
  });

  it('reports RSA and ECDSA key types and sizes', async () => {
    const rsa = await probeOne('rsa.test', 'rsa');
    expect(rsa.leaf).toMatchObject({ keyType: 'RSA', keySize: 2048 });
    expect(rsa.record!.keyAlgorithm).toBe('RSA_2048');
    expect(codes(rsa)).toEqual([]);
    const ec = await probeOne('valid.test', 'valid');
    expect(ec.leaf).toMatchObject({ keyType: 'EC', keySize: 256, curve: 'prime256v1' });
    expect(ec.record!.keyAlgorithm).toBe('EC_prime256v1');
  });

  it('reports a 1024-bit RSA key and a SHA-1 signature as WEAK_KEY and WEAK_SIGNATURE', async () => {
    const r = await probeOne('weak.test', 'weak');
    expect(r.leaf).toMatchObject({ keyType: 'RSA', keySize: 1024, signatureAlgorithm: 'ecdsa-with-SHA1' });
    expect(codes(r)).toEqual(['WEAK_KEY', 'WEAK_SIGNATURE']);
  });
});

describe('probeTarget across several addresses', () => {
  it('probes IPv4 and IPv6 addresses of one name, IPv6 literals in brackets', async (ctx) => {
    const cert = await createCertificate({ ...valid('dual.test'), issuer: root });
    const v4 = await start({ key: cert.keyPem, cert: cert.certPem });
    let v6: RunningServer;
    try {
      v6 = await start({ key: cert.keyPem, cert: cert.certPem, host: '::1', port: v4.port });
    } catch {
      ctx.skip(); // no IPv6 loopback on this machine
      return;
    }
    const results = await probeTarget(
      { host: 'dual.test', port: v4.port },
      opts({
        resolve: async () => [
          { address: '::1', family: 6 },
          { address: '127.0.0.1', family: 4 },
        ],
      }),
    );
    expect(results.map((r) => r.address)).toEqual(['127.0.0.1', '::1']);
    expect(results.flatMap(codes)).toEqual([]);
    const [literal] = await probeTarget({ host: '::1', port: v6.port }, opts({ resolve: undefined }));
    expect(literal!.target).toBe(`[::1]:${v6.port}`);
    expect(literal!.servername).toBeNull();
    expect(codes(literal!)).toEqual(['HOSTNAME_MISMATCH']);
  });

  it('reports BACKENDS_DIFFER when 127.0.0.2 and 127.0.0.3 serve different certificates for one name', async () => {
    const one = await createCertificate({ ...valid('multi.test'), issuer: root });
    const two = await createCertificate({ ...valid('multi.test'), issuer: root });
    const first = await start({ key: one.keyPem, cert: one.certPem, host: '127.0.0.2' });
    await start({ key: two.keyPem, cert: two.certPem, host: '127.0.0.3', port: first.port });
    const results = await probeTarget(
      { host: 'multi.test', port: first.port },
      opts({
        resolve: async () => [
          { address: '127.0.0.2', family: 4 },
          { address: '127.0.0.3', family: 4 },
        ],
      }),
    );
    expect(results.map((r) => r.address)).toEqual(['127.0.0.2', '127.0.0.3']);
    expect(results[0]!.leaf!.fingerprintSha256).not.toBe(results[1]!.leaf!.fingerprintSha256);
    for (const r of results) {
      expect(codes(r)).toEqual(['BACKENDS_DIFFER']);
      expect(r.record!.id).toBe(`multi.test:${first.port}@${r.address}`);
    }
  });

  it('does not report BACKENDS_DIFFER when every address serves the same certificate', async () => {
    const cert = await createCertificate({ ...valid('same.test'), issuer: root });
    const first = await start({ key: cert.keyPem, cert: cert.certPem, host: '127.0.0.2' });
    await start({ key: cert.keyPem, cert: cert.certPem, host: '127.0.0.3', port: first.port });
    const results = await probeTarget(
      { host: 'same.test', port: first.port },
      opts({
        resolve: async () => [
          { address: '127.0.0.2', family: 4 },
          { address: '127.0.0.3', family: 4 },
          { address: '127.0.0.2', family: 4 },
        ],
      }),
    );
    expect(results).toHaveLength(2);
    expect(results.flatMap(codes)).toEqual([]);
  });
});

describe('probeTarget against hostile or absent peers', () => {
  const deadline = 1_000;
  const hostile = async (behaviour: HostileBehaviour): Promise<{ r: ProbeResult; elapsed: number }> => {
    const s = await startHostile(behaviour);
    const t0 = Date.now();
    const [r] = await settles(
      probeTarget({ host: 'hostile.test', port: s.port }, opts({ timeoutMs: deadline })),
      `probe of a ${behaviour} server`,
    );
    return { r: r!, elapsed: Date.now() - t0 };
  };

  // These peers never complete a handshake: TIMEOUT is the deadline firing (without it the probe
  // would wait forever), and no earlier than the deadline.
  it('times out on a silent server at the deadline', async () => {
    const { r, elapsed } = await hostile('silent');
    expect(r.status).toBe('error');
    expect(r.error!.code).toBe('TIMEOUT');
    expect(elapsed).toBeGreaterThanOrEqual(deadline - 50);
  });

  it('times out on a slow-drip server at the deadline (bytes trickling in do not extend it)', async () => {
    const { r, elapsed } = await hostile('slow-drip');
    expect(r.error!.code).toBe('TIMEOUT');
    expect(elapsed).toBeGreaterThanOrEqual(deadline - 50);
  });

  it('reports a reset during the handshake as HANDSHAKE_FAILED', async () => {
    const { r } = await hostile('reset');
    expect(r.error!.code).toBe('HANDSHAKE_FAILED');
  });

  it('reports garbage bytes as NOT_TLS or HANDSHAKE_FAILED', async () => {
    const { r } = await hostile('garbage');
    expect(['NOT_TLS', 'HANDSHAKE_FAILED']).toContain(r.error!.code);
  });

  it('rejects a multi-megabyte banner as not TLS, before its deadline', async () => {
    // The banner never ends: a probe that kept reading would end in TIMEOUT instead.
    const { r } = await hostile('huge-banner');
    expect(['NOT_TLS', 'HANDSHAKE_FAILED']).toContain(r.error!.code);
  });

  it('reports a closed port as CONNECTION_REFUSED', async () => {
    const port = await closedPort();
    const [r] = await probeTarget({ host: 'closed.test', port }, opts());
    expect(r!.error).toMatchObject({ code: 'CONNECTION_REFUSED' });
    expect(r!.status).toBe('error');
    expect(r!.leaf).toBeNull();
  });

  it('reports an unresolvable name as DNS_FAILURE with the real resolver', async () => {
    const results = await probeTarget(
      { host: 'no-such-host.invalid', port: 443 },
      opts({ resolve: undefined }),
    );
    expect(results).toHaveLength(1);
    expect(results[0]!.error!.code).toBe('DNS_FAILURE');
    expect(results[0]!.address).toBeNull();
  });

  it('reports a resolver that never answers as DNS_FAILURE after the deadline', async () => {
    const [r] = await settles(
      probeTarget(
        { host: 'hang.test', port: 443 },
        opts({ timeoutMs: 300, resolve: () => new Promise(() => {}) }),
      ),
      'probe with a resolver that never answers',
    );
    expect(r!.error!.code).toBe('DNS_FAILURE');
    expect(r!.error!.message).toContain('took longer than 300 ms');
  });

  it('reads a 100-certificate chain', async () => {
    let issuer = root;
    const intermediates: GeneratedCert[] = [];
    for (let i = 0; i < 98; i++) {
      issuer = await createCertificate({ ...valid(`Long Chain CA ${i}`), issuer, isCa: true });
      intermediates.push(issuer);
    }
    const leaf = await createCertificate({ ...valid('long.test'), issuer });
    const sent = [leaf.certPem, ...intermediates.reverse().map((c) => c.certPem), root.certPem];
    const s = await start({ key: leaf.keyPem, cert: pemChain(...sent) });
    const [r] = await probeTarget({ host: 'long.test', port: s.port }, opts());
    expect(r!.error).toBeNull();
    expect(r!.chain).toHaveLength(100);
    expect(r!.chain.at(-1)!.role).toBe('root');
    expect(codes(r!)).toEqual([]);
  }, 60_000);
});

describe('probeAll', () => {
  it('finishes a mix of hostile and good targets in about one deadline, leaking no sockets', async () => {
    const deadline = 1_500;
    const baseline = activeSocketCount();
    const baselineFds = openFdCount();
    const silent = await Promise.all([1, 2, 3].map(() => startHostile('silent')));
    const drip = await startHostile('slow-drip');
    const refused = await closedPort();
    const targets: EndpointTarget[] = [
      // Distinct names: a run resolves each name once, and the resolver counts the probes started.
      ...silent.map((s, i) => ({ host: `silent-${i}.test`, port: s.port })),
      { host: 'valid.test', port: ports.valid! },
      { host: 'drip.test', port: drip.port },
      { host: 'closed.test', port: refused },
      { host: 'expiring.test', port: ports.expiring! },
    ];
    const progress: number[] = [];
    const inFlight = countingInFlight();
    const results = await settles(
      probeAll(targets, {
        ...opts({ timeoutMs: deadline, resolve: inFlight.resolve }),
        concurrency: 16,
        onProgress: (done) => {
          inFlight.onProgress(done);
          progress.push(done);
        },
      }),
      'probeAll of hostile and good targets',
    );
    expect(results.map((r) => r.error?.code ?? r.status)).toEqual([
      'TIMEOUT',
      'TIMEOUT',
      'TIMEOUT',
      'ok',
      'TIMEOUT',
      'CONNECTION_REFUSED',
      'critical',
    ]);
    // All seven were in flight at once, so the hung ones cost one deadline together, not one each.
    expect(inFlight.peak()).toBe(targets.length);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7]);

    for (const s of [...silent, drip]) await s.close();
    servers.splice(0, servers.length, ...servers.filter((s) => !silent.includes(s) && s !== drip));
    // Server-side ends of the connections close asynchronously; the client side closed already.
    const until = Date.now() + 3_000;
    const settled = () =>
      activeSocketCount() <= baseline && (baselineFds === null || openFdCount()! <= baselineFds);
    while (!settled() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(activeSocketCount()).toBeLessThanOrEqual(baseline);
    if (baselineFds !== null) expect(openFdCount()).toBeLessThanOrEqual(baselineFds);
  });

  it('probes 300 targets on one server at concurrency 32, all ok', async () => {
    const targets = Array.from({ length: 300 }, () => ({ host: 'valid.test', port: ports.valid! }));
    const results = await probeAll(targets, { ...opts(), concurrency: 32 });
    expect(results).toHaveLength(300);
    expect(results.filter((r) => r.status !== 'ok' || r.problems.length > 0)).toEqual([]);
    expect(results.every((r) => r.durationMs >= 0)).toBe(true);
  });

  it('rejects an invalid target before opening any socket', async () => {
    await expect(probeAll([{ host: 'a.test', port: 70_000 }], opts())).rejects.toThrow(
      /port must be 1-65535/,
    );
  });

  it('keeps at most `concurrency` probes in flight', async () => {
    const s = await startHostile('silent');
    const targets = Array.from({ length: 6 }, (_, i) => ({ host: `silent-${i}.test`, port: s.port }));
    const inFlight = countingInFlight();
    const results = await probeAll(targets, {
      ...opts({ timeoutMs: 300, resolve: inFlight.resolve }),
      concurrency: 2,
      onProgress: inFlight.onProgress,
    });
    expect(results.every((r) => r.error?.code === 'TIMEOUT')).toBe(true);
    expect(inFlight.started()).toBe(6);
    expect(inFlight.peak()).toBe(2);
  });
});

describe('probeTarget with STARTTLS', () => {
  let smtpCert: GeneratedCert;
  const smtp = async (behaviour: Parameters<typeof startSmtpServer>[0]) => {
    smtpCert ??= await createCertificate({ ...valid('mail.test'), issuer: root });
    const s = await startSmtpServer(behaviour, { key: smtpCert.keyPem, cert: smtpCert.certPem });
    servers.push(s);
    return s;
  };

  it('reads the certificate after SMTP STARTTLS', async () => {
    const s = await smtp('starttls');
    const [r] = await probeTarget({ host: 'mail.test', port: s.port, starttls: 'smtp' }, opts());
    expect(r!.error).toBeNull();
    expect(r!.starttls).toBe('smtp');
    expect(r!.leaf!.subject).toBe('CN=mail.test');
    expect(codes(r!)).toEqual([]);
  });

  it('reports STARTTLS_REFUSED with the server reply for 454 and for a missing STARTTLS', async () => {
    for (const behaviour of ['refuse', 'no-starttls'] as const) {
      const s = await smtp(behaviour);
      const [r] = await probeTarget({ host: 'mail.test', port: s.port, starttls: 'smtp' }, opts());
      expect(r!.error!.code, behaviour).toBe('STARTTLS_REFUSED');
      expect(r!.status).toBe('error');
    }
    const refused = await smtp('refuse');
    const [r] = await probeTarget({ host: 'mail.test', port: refused.port, starttls: 'smtp' }, opts());
    expect(r!.error!.message).toContain('454');
  });

  it('counts the STARTTLS dialogue inside the deadline', async () => {
    // The server never answers EHLO: only the probe's deadline ends the dialogue.
    const s = await smtp('stall');
    const [r] = await settles(
      probeTarget({ host: 'mail.test', port: s.port, starttls: 'smtp' }, opts({ timeoutMs: 800 })),
      'STARTTLS probe of a stalled server',
    );
    expect(r!.error!.code).toBe('TIMEOUT');
  });

  it('treats a multi-megabyte banner as something other than the protocol, within the deadline', async () => {
    const s = await startHostile('huge-banner');
    const [r] = await settles(
      probeTarget({ host: 'mail.test', port: s.port, starttls: 'smtp' }, opts({ timeoutMs: 2_000 })),
      'STARTTLS probe of a huge banner',
    );
    expect(['NOT_TLS', 'STARTTLS_REFUSED', 'TIMEOUT']).toContain(r!.error!.code);
  });

  it("uses the port's default protocol unless told 'none'", async () => {
    const s = await smtp('starttls');
    // Port is random, so no default applies: a plain TLS handshake meets an SMTP greeting.
    const [plain] = await probeTarget({ host: 'mail.test', port: s.port }, opts());
    expect(['NOT_TLS', 'HANDSHAKE_FAILED']).toContain(plain!.error!.code);
    const [none] = await probeTarget({ host: 'mail.test', port: s.port, starttls: 'none' }, opts());
    expect(none!.starttls).toBeNull();
  });
});
