/**
 * One verdict everywhere (issue #10, item 4): the same certificate, served by a real local TLS
 * server and written to disk, judged by `check`, `scan file`, the scan engine (scan acm / scan
 * <kind> / the scan workers), the prober's events and the lifecycle. A freshly issued 6-day
 * certificate is healthy by its lifetime rule in all of them; near its end it is critical in all.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../bin/cert-watch';
import type { CertificateRecord } from '../../lambda/core/certificate';
import type { ScopeReader } from '../../lambda/core/ports';
import { runScan } from '../../lambda/core/scan';
import { eventsForProbeResults } from '../../lambda/handlers/make-probe-handler';
import { lifecycleConfig } from '../../lambda/lifecycle/model';
import { certInfo } from '../../lambda/sources/endpoint/cert-info';
import { probeAll } from '../../lambda/sources/endpoint/probe';
import { recordFromCertInfo } from '../../lambda/sources/x509-record';
import { createCertificate, type GeneratedCert } from '../support/certs';
import { runCheckCaptured } from '../support/cli-check-run';
import { lifecycleEventsFor } from '../support/lifecycle-run';
import { pemChain, type RunningServer, startTlsServer } from '../support/tls-servers';

const HOUR = 3_600_000;
const ISSUED = new Date();
// 160-hour lifetime, issued an hour ago: 159 hours (6.6 days) left, inside the 7-day critical limit.
const NOT_AFTER = new Date(ISSUED.getTime() + 159 * HOUR);
const FRESH = ISSUED;
// 12 hours left: under 10 % of the lifetime (16 hours), critical by the lifetime rule too.
const LATE = new Date(NOT_AFTER.getTime() - 12 * HOUR);

let dir: string;
let root: GeneratedCert;
let leaf: GeneratedCert;
let server: RunningServer;
let caFile: string;
let pemFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'one-verdict-'));
  root = await createCertificate({
    commonName: 'Verdict Root',
    notBefore: new Date(ISSUED.getTime() - 100 * 24 * HOUR),
    notAfter: new Date(ISSUED.getTime() + 3650 * 24 * HOUR),
    isCa: true,
  });
  leaf = await createCertificate({
    commonName: 'short.example',
    ipAddresses: ['127.0.0.1'],
    notBefore: new Date(ISSUED.getTime() - HOUR),
    notAfter: NOT_AFTER,
    issuer: root,
  });
  caFile = join(dir, 'ca.pem');
  pemFile = join(dir, 'short.pem');
  writeFileSync(caFile, root.certPem);
  writeFileSync(pemFile, leaf.certPem);
  server = await startTlsServer({ key: leaf.keyPem, cert: pemChain(leaf.certPem) });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const target = () => `127.0.0.1:${server.port}`;

const cli = async (args: string[], now: Date) => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (b: Buffer) => {
    text += b.toString();
  });
  const code = await main(args, { stdout: out, stderr: new PassThrough(), env: {}, now: () => now });
  return { code, stdout: text };
};

const fileReader = (record: CertificateRecord): ScopeReader => ({
  scope: { key: 'test#one', kind: 'test', label: 'one' },
  async *list() {
    yield record;
  },
});

/** Every entry point's verdict for the one certificate at `now`. */
const verdicts = async (now: Date) => {
  const check = await runCheckCaptured(['--json', '--ca-file', caFile, target()], { now: () => now });
  const checkJson = JSON.parse(check.stdout) as { results: { status: string; verdict: string }[] };
  const file = await cli(['scan', 'file', '--json', pemFile], now);
  const fileJson = JSON.parse(file.stdout) as { certificates: { severity: string }[] };
  const record = recordFromCertInfo(certInfo(new X509Certificate(leaf.certPem)), {
    source: 'test',
    id: 'one',
  });
  const scan = await runScan([fileReader(record)], { scanId: 's', now, thresholds: lifecycleConfig() });
  const results = await probeAll([{ host: '127.0.0.1', port: server.port }], {
    now: () => now,
    caPems: [root.certPem],
    thresholds: lifecycleConfig(),
  });
  const proberEvents = eventsForProbeResults(results, { scanId: 's', now, thresholds: lifecycleConfig() });
  const lifecycleEvents = await lifecycleEventsFor(results, now);
  return {
    check: { code: check.code, status: checkJson.results[0]?.status },
    scanFile: { code: file.code, severity: fileJson.certificates[0]?.severity },
    scan: scan.certificates[0]?.evaluation.severity,
    prober: results[0]?.status,
    proberEvents: proberEvents.map((e) => e.detailType),
    lifecycle: lifecycleEvents.map((e) => e.detailType),
  };
};

describe('one verdict for a short-lived certificate, whatever the entry point', () => {
  it('a freshly issued 6-day certificate is healthy everywhere (it was CRITICAL, exit 2, in check)', async () => {
    expect(await verdicts(FRESH)).toEqual({
      check: { code: 0, status: 'ok' },
      scanFile: { code: 0, severity: 'ok' },
      scan: 'ok',
      prober: 'ok',
      proberEvents: [],
      lifecycle: [],
    });
  });

  it('12 hours before its end (under 10 % of its lifetime) it is critical everywhere', async () => {
    expect(await verdicts(LATE)).toEqual({
      check: { code: 2, status: 'critical' },
      scanFile: { code: 2, severity: 'critical' },
      scan: 'critical',
      prober: 'critical',
      proberEvents: ['Certificate Expiring'],
      lifecycle: ['Certificate Expiring'],
    });
  });
});
