/**
 * The prober with its lifecycle against real local TLS servers (generated certificates): a rejected
 * certificate, a refused port and a certificate not valid yet are each said once however many
 * scans run in a day (issue #9 item 3, issue #10), and the fixes are said once too.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusEvent } from '../../lambda/core/events';
import { createChain, daysFrom, type GeneratedChain } from '../support/certs';
import { InMemoryLifecycleStore } from '../support/in-memory-lifecycle-store';
import { loopbackProber, sqsEventOf } from '../support/lifecycle-run';
import { RecordingPublisher } from '../support/lifecycle-timeline';
import { assertValidEvent } from '../support/schemas';
import { closedPort, pemChain, type RunningServer, startTlsServer } from '../support/tls-servers';

const HOUR = 3_600_000;
// 06:00 UTC today: scans at +0, 4, 8 and 12 hours fall on one UTC day.
const DAY0 = new Date(`${new Date().toISOString().slice(0, 10)}T06:00:00.000Z`);
const at = (hours: number) => new Date(DAY0.getTime() + hours * HOUR);
const _loopbackOnly = async () => [{ address: '127.0.0.1', family: 4 as const }];

let dir: string;
const chains: Record<string, GeneratedChain> = {};
const servers: RunningServer[] = [];
const ports: Record<string, number> = {};
const store = new InMemoryLifecycleStore();
const publisher = new RecordingPublisher();

const serve = (c: GeneratedChain, port?: number) =>
  startTlsServer({ key: c.leaf.keyPem, cert: pemChain(c.leaf.certPem, c.intermediate.certPem), port });

const scanAt = async (hours: number, scanId: string): Promise<BusEvent[]> => {
  const now = at(hours);
  const targets = Object.values(ports).map((port) => ({ host: 'localhost', port }));
  const handler = loopbackProber({ store, now, publisher, caFile: join(dir, 'ca.pem'), targets });
  const before = publisher.events.length;
  const body = JSON.stringify({
    schemaVersion: '1.0',
    scanId,
    batchIndex: 1,
    batchCount: 1,
    scheduledAt: now.toISOString(),
    targets,
  });
  expect((await handler(sqsEventOf([body]))).batchItemFailures).toEqual([]);
  const events = publisher.events.slice(before);
  for (const e of events) assertValidEvent(e.detailType, e.detail);
  return events.filter((e) => e.detailType !== 'Scan Completed');
};

/** One `lifecycle` field of each event, sorted. */
const lifecycleField = (events: BusEvent[], field: 'transition' | 'resolves') =>
  events.map((e) => (e.detail as { lifecycle: Record<string, string> }).lifecycle[field]).sort();

const portOf = (e: BusEvent): number => {
  const d = e.detail as { certificate?: { id: string }; endpoint?: { port: number } };
  // `localhost:PORT@address`, or `localhost:PORT#chain@address` for the path's first expiry.
  return d.endpoint?.port ?? Number(d.certificate?.id.split('@')[0]?.split('#')[0]?.split(':').pop());
};
const named = (events: BusEvent[]) =>
  events.map((e) => `${Object.entries(ports).find(([, p]) => p === portOf(e))?.[0]}:${e.detailType}`).sort();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cew-problems-'));
  const chain = (name: string, notBefore: number, notAfter: number, intermediateDays?: number) =>
    createChain({
      now: DAY0,
      leaf: {
        commonName: name,
        dnsNames: [name],
        notBefore: daysFrom(DAY0, notBefore),
        notAfter: daysFrom(DAY0, notAfter),
      },
      ...(intermediateDays ? { intermediate: { notAfter: daysFrom(DAY0, intermediateDays) } } : {}),
    });
  chains.good = await chain('localhost', -80, 200);
  chains.wrongHost = await chain('other.example.com', -80, 200);
  chains.notYetValid = await chain('localhost', 3, 300);
  // The intermediate expires in 10 days, the leaf in 200: the path's first expiry drives the alert.
  chains.chainFirst = await chain('localhost', -80, 200, 10);
  writeFileSync(join(dir, 'ca.pem'), pemChain(...Object.values(chains).map((c) => c.root.certPem)));
  for (const name of ['good', 'wrongHost', 'notYetValid', 'chainFirst']) {
    const s = await serve(chains[name]!);
    servers.push(s);
    ports[name] = s.port;
  }
  ports.refused = await closedPort();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('endpoint problems through the prober and its lifecycle', () => {
  it('four scans in one day: each problem said once (a refused port after its second failure), the expiring intermediate too', async () => {
    const day = [
      ...(await scanAt(0, 'scan-1')),
      ...(await scanAt(4, 'scan-2')),
      ...(await scanAt(8, 'scan-3')),
      ...(await scanAt(12, 'scan-4')),
    ];
    expect(named(day)).toEqual([
      'chainFirst:Certificate Expiring',
      'notYetValid:Certificate Not Yet Valid',
      'refused:Endpoint Check Failed',
      'wrongHost:Endpoint Misconfigured',
    ]);
    const chain = day.find((e) => e.detailType === 'Certificate Expiring')!.detail as {
      certificate: { id: string; subject: string };
      lifecycle: { tierDays: number };
    };
    expect(chain.certificate.id).toBe(`localhost:${ports.chainFirst}#chain@127.0.0.1`);
    expect(chain.certificate.subject).toContain('Test Intermediate CA');
    expect(chain.lifecycle.tierDays).toBe(14);
    const nyv = day.find((e) => e.detailType === 'Certificate Not Yet Valid')!;
    expect(nyv.detail).toMatchObject({ evaluation: { severity: 'critical', notYetValid: true } });
  });

  it('the next day: one reminder each, nothing for the healthy endpoint', async () => {
    const next = await scanAt(24, 'scan-5');
    expect(named(next)).toEqual([
      'notYetValid:Certificate Not Yet Valid',
      'refused:Endpoint Check Failed',
      'wrongHost:Endpoint Misconfigured',
    ]);
    expect(lifecycleField(next, 'transition')).toEqual([
      'check-failed-reminder',
      'misconfigured-reminder',
      'not-yet-valid-reminder',
    ]);
  });

  it('fixed: "Endpoint Recovered" once for each, with what was wrong; a later intermediate renews the path', async () => {
    for (const name of ['wrongHost', 'chainFirst'])
      await servers.find((s) => s.port === ports[name])!.close();
    servers.push(
      await serve(chains.good!, ports.wrongHost),
      await serve(chains.good!, ports.refused),
      await serve(chains.good!, ports.chainFirst),
    );
    const fixed = await scanAt(28, 'scan-6');
    expect(named(fixed)).toEqual([
      'chainFirst:Certificate Renewed',
      'refused:Endpoint Recovered',
      'wrongHost:Endpoint Recovered',
    ]);
    expect(lifecycleField(fixed, 'resolves')).toEqual(['check-failed', 'misconfigured', 'tier-entered']);
    expect(await scanAt(32, 'scan-7')).toEqual([]);
  });

  it('the not-yet-valid certificate reaches its notBefore: "Certificate Now Valid" once', async () => {
    const valid = await scanAt(3 * 24 + 1, 'scan-8');
    expect(named(valid)).toEqual(['notYetValid:Certificate Now Valid']);
    expect(await scanAt(3 * 24 + 5, 'scan-9')).toEqual([]);
  });
});
