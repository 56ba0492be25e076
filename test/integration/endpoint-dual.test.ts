/**
 * Dual-certificate servers (issue #10, item 9): a server holding an ECDSA and an RSA certificate
 * picks one by what the client offers. Real local servers with both, generated certificates; the
 * RSA one expires first and used to go unseen.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toView } from '../../lambda/channels/format/view';
import { type BusEvent, certificateEvent } from '../../lambda/core/events';
import { silentLogger } from '../../lambda/core/ports';
import { makeProbeHandler, probeConfigFromEnv } from '../../lambda/handlers/make-probe-handler';
import { probeAll, probeTarget } from '../../lambda/sources/endpoint/probe';
import { createCertificate, daysFrom, type GeneratedCert } from '../support/certs';
import { runCheckCaptured } from '../support/cli-check-run';
import { endpointsFileEnv, probeBatchRecords } from '../support/endpoints-file';
import { lifecycleEventsFor } from '../support/lifecycle-run';
import { type RunningServer, startTlsServer } from '../support/tls-servers';
import { envelope } from '../support/webhook-receivers';

const now = new Date();
const servers: Record<string, RunningServer> = {};
let root: GeneratedCert;
let dir: string;
let caFile: string;

const leaf = (kind: 'ec' | 'rsa', days: number, name = kind) =>
  createCertificate({
    commonName: `${name}.dual.test`,
    ipAddresses: ['127.0.0.1'],
    notBefore: daysFrom(now, -200),
    notAfter: daysFrom(now, days),
    key: kind === 'rsa' ? { kind: 'rsa' } : { kind: 'ec' },
    issuer: root,
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dual-'));
  root = await createCertificate({
    commonName: 'Dual Root',
    notBefore: daysFrom(now, -1000),
    notAfter: daysFrom(now, 3650),
    isCa: true,
  });
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, root.certPem);
  const ec = await leaf('ec', 200);
  const rsa = await leaf('rsa', 5);
  const pair = (c: GeneratedCert) => ({ key: c.keyPem, cert: c.certPem });
  servers.dual = await startTlsServer({ ...pair(ec), also: [pair(rsa)] });
  servers.dual12 = await startTlsServer({ ...pair(ec), also: [pair(rsa)], maxVersion: 'TLSv1.2' });
  servers.ecOnly = await startTlsServer(pair(ec));
  servers.rsaOnly = await startTlsServer(pair(rsa));
});
afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

const probe = (name: string, dualCertificates?: boolean) =>
  probeTarget(
    { host: '127.0.0.1', port: servers[name]!.port },
    { caPems: [root.certPem], ...(dualCertificates === undefined ? {} : { dualCertificates }) },
  );

describe('a server with an ECDSA and an RSA certificate', () => {
  it.each(['dual', 'dual12'])(
    '%s: both are watched, the RSA one under its own location (it went unseen)',
    async (name) => {
      const results = await probe(name);
      const port = servers[name]!.port;
      expect(results.map((r) => [r.variant ?? null, r.leaf?.keyType, r.status, r.record?.id])).toEqual([
        [null, 'EC', 'ok', `127.0.0.1:${port}@127.0.0.1`],
        ['rsa', 'RSA', 'critical', `127.0.0.1:${port}#rsa@127.0.0.1`],
      ]);
      // Two certificates by design are not backends that differ.
      expect(results.flatMap((r) => r.problems.map((p) => p.code))).not.toContain('BACKENDS_DIFFER');
    },
  );

  it('a server with one ECDSA certificate is asked once more (for an RSA twin) and gives one result', async () => {
    const before = servers.ecOnly!.servernames.length;
    expect((await probe('ecOnly')).map((r) => r.leaf?.keyType)).toEqual(['EC']);
    // The second handshake (offering only RSA) was made and found nothing.
    expect(servers.ecOnly!.servernames.length - before).toBe(2);
  });

  it('after an RSA leaf there is no second handshake: no client that offers RSA is served an ECDSA twin', async () => {
    const before = servers.rsaOnly!.servernames.length;
    expect((await probe('rsaOnly')).map((r) => r.leaf?.keyType)).toEqual(['RSA']);
    expect(servers.rsaOnly!.servernames.length - before).toBe(1);
  });

  it('dualCertificates: false makes one handshake and looks no further than the first certificate', async () => {
    const before = servers.dual!.servernames.length;
    expect((await probe('dual', false)).map((r) => r.leaf?.keyType)).toEqual(['EC']);
    expect(servers.dual!.servernames.length - before).toBe(1);
    expect((await probe('dual')).map((r) => r.leaf?.keyType)).toEqual(['EC', 'RSA']);
  });

  it('check shows both and exits 2 for the RSA one; --no-dual sees only the ECDSA one', async () => {
    const target = `127.0.0.1:${servers.dual!.port}`;
    const both = await runCheckCaptured(['--ca-file', caFile, target]);
    expect(both.code).toBe(2);
    expect(both.stdout).toMatch(new RegExp(`^CRITICAL\\s+${target} \\[rsa\\]`, 'm'));
    expect(both.stdout).toMatch(new RegExp(`^OK\\s+${target}\\s`, 'm'));
    const one = await runCheckCaptured(['--ca-file', caFile, '--no-dual', target]);
    expect(one.code).toBe(0);
    expect(one.stdout).not.toContain('[rsa]');
  });

  it('the lifecycle tracks both locations and alerts for the RSA certificate only', async () => {
    const results = await probe('dual');
    const events = await lifecycleEventsFor(results, now);
    const port = servers.dual!.port;
    expect(
      events.map((e) => [e.detailType, (e.detail as { certificate: { id: string } }).certificate.id]),
    ).toEqual([['Certificate Expiring', `127.0.0.1:${port}#rsa@127.0.0.1`]]);
  });

  it('the prober looks too (PROBE_DUAL_CERTIFICATES unset), and not with PROBE_DUAL_CERTIFICATES=false', async () => {
    const env = {
      EVENT_BUS_NAME: 'bus',
      PROBE_TIMEOUT_MS: '5000',
      PROBE_CONCURRENCY: '4',
      CA_FILE: caFile,
      ...endpointsFileEnv([{ host: '127.0.0.1', port: servers.dual!.port }]),
    };
    expect(() => probeConfigFromEnv({ ...env, PROBE_DUAL_CERTIFICATES: 'no' })).toThrow(
      /PROBE_DUAL_CERTIFICATES/,
    );
    const published = async (extra: Record<string, string>) => {
      const events: BusEvent[] = [];
      const handler = makeProbeHandler({
        config: probeConfigFromEnv({ ...env, ...extra }),
        probe: probeAll,
        publisher: {
          publish: async (e) => {
            events.push(...e);
            return { published: e.length };
          },
        },
        logger: silentLogger,
        metrics: () => {},
        clock: () => now,
      });
      await handler({ Records: probeBatchRecords([{ host: '127.0.0.1', port: servers.dual!.port }], now) });
      return events.map((e) => e.detailType);
    };
    expect(await published({})).toEqual(['Certificate Expiring', 'Scan Completed']);
    expect(await published({ PROBE_DUAL_CERTIFICATES: 'false' })).toEqual(['Scan Completed']);
  });
});

describe('people see which certificate of a dual server an alert is about', () => {
  it('chat says "(RSA certificate)" beside the address', async () => {
    const [, rsa] = await probe('dual');
    const e = envelope(certificateEvent(rsa!.record!, rsa!.evaluation!, { scanId: 's', now }));
    expect(toView(e).where).toBe(`127.0.0.1:${servers.dual!.port} (RSA certificate)`);
  });
});
