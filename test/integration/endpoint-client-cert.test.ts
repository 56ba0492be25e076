/**
 * Servers that demand a client certificate (mutual TLS), against real local TLS servers: the
 * certificate the server sent is judged even though the handshake then fails, and the demand is
 * information, not "could not check".
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeTarget } from '../../lambda/sources/endpoint/probe';
import type { ProbeResult } from '../../lambda/sources/endpoint/types';
import { verdictOf } from '../../lambda/sources/endpoint/verdict';
import { createCertificate, DAY_MS, daysFrom, type GeneratedCert } from '../support/certs';
import { runCheckCaptured } from '../support/cli-check-run';
import { type RunningServer, startTlsServer } from '../support/tls-servers';

const setupNow = new Date();
const probeNow = new Date(setupNow.getTime() + 3_600_000);
const servers: RunningServer[] = [];
let root: GeneratedCert;
let leaf: GeneratedCert;

const serve = async (version: 'TLSv1.2' | 'TLSv1.3'): Promise<number> => {
  const s = await startTlsServer({
    key: leaf.keyPem,
    cert: leaf.certPem,
    minVersion: version,
    maxVersion: version,
    clientCa: root.certPem,
  });
  servers.push(s);
  return s.port;
};
const probe = async (port: number): Promise<ProbeResult> =>
  (
    await probeTarget(
      { host: '127.0.0.1', port },
      { now: () => probeNow, caPems: [root.certPem], timeoutMs: 5_000 },
    )
  )[0]!;

beforeAll(async () => {
  root = await createCertificate({
    commonName: 'Mutual TLS Root',
    notBefore: daysFrom(setupNow, -100),
    notAfter: daysFrom(setupNow, 3000),
    isCa: true,
  });
  leaf = await createCertificate({
    commonName: 'mtls.test',
    ipAddresses: ['127.0.0.1'],
    notBefore: daysFrom(setupNow, -80),
    notAfter: daysFrom(setupNow, 5),
    issuer: root,
  });
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('a server that demands a client certificate', () => {
  it('TLS 1.2 (certificate sent, then alert 40): judges the certificate, 5 days left, CLIENT_CERT_REQUIRED as info; TLS 1.3 alike', async () => {
    const r = await probe(await serve('TLSv1.2'));
    expect(r.error).toBeNull();
    expect(r.tlsVersion).toBe('TLSv1.2');
    expect(r.leaf!.subject).toBe('CN=mtls.test');
    expect(r.daysRemaining).toBe(Math.floor((leaf.spec.notAfter.getTime() - probeNow.getTime()) / DAY_MS));
    expect(r.status).toBe('critical');
    const note = r.problems.find((p) => p.code === 'CLIENT_CERT_REQUIRED')!;
    expect(note.severity).toBe('info');
    expect(note.message).toContain('handshake_failure');
    expect(r.problems.map((p) => p.code)).toEqual(['CLIENT_CERT_REQUIRED']);
    expect(verdictOf(r)).toBe('critical');
    // TLS 1.3 completes our side of the handshake before the server refuses: read as before.
    const r13 = await probe(await serve('TLSv1.3'));
    expect(r13).toMatchObject({ error: null, status: 'critical', daysRemaining: r.daysRemaining });
  });

  it('check exits 2 (CRITICAL, 5 days), not 3 (could not check)', async () => {
    const port = await serve('TLSv1.2');
    const dir = mkdtempSync(join(tmpdir(), 'mtls-'));
    const caFile = join(dir, 'root.pem');
    writeFileSync(caFile, root.certPem);
    const { code, stdout: out } = await runCheckCaptured(
      ['--json', '--ca-file', caFile, `127.0.0.1:${port}`],
      {
        now: () => probeNow,
      },
    );
    rmSync(dir, { recursive: true, force: true });
    const [r] = JSON.parse(out).results;
    expect(code).toBe(2);
    expect(r).toMatchObject({ status: 'critical', verdict: 'critical', error: null });
    expect(r.problems.map((p: { code: string }) => p.code)).toEqual(['CLIENT_CERT_REQUIRED']);
  });
});
