/**
 * Every event is bounded by construction (issue #9, item 2): a hostile local TLS server sends a
 * 76-certificate chain (leaf + 75 intermediates, each expired or expiring before the leaf), the
 * real prober reads it, and the events built from its result stay within EventBridge's 256 KiB
 * entry limit, carry at most MAX_PROBLEMS_IN_EVENT problems (the critical ones first) and say how
 * many were cut. Certificates are real X.509, generated at test time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../../lambda/core/evaluate';
import type { CertificateEventDetail } from '../../lambda/core/events';
import { MAX_EVENT_ENTRY_BYTES, MAX_PROBLEMS_IN_EVENT } from '../../lambda/core/events';
import { eventsForProbeResults } from '../../lambda/handlers/make-probe-handler';
import { EventBusPublisher, entrySize } from '../../lambda/sinks/bus/event-bus-publisher';
import { probeTarget } from '../../lambda/sources/endpoint/probe';
import type { ProbeResult } from '../../lambda/sources/endpoint/types';
import { createCertificate, daysFrom, type GeneratedCert } from '../support/certs';
import { assertValidEvent } from '../support/schemas';
import { pemChain, type RunningServer, startTlsServer } from '../support/tls-servers';

const now = new Date();
const CHAIN_LENGTH = 76;
let server: RunningServer;
let root: GeneratedCert;

beforeAll(async () => {
  root = await createCertificate({
    commonName: 'Bounds Root CA',
    notBefore: daysFrom(now, -3000),
    notAfter: daysFrom(now, 3000),
    key: { kind: 'ec' },
    isCa: true,
  });
  // root → ca-0 → ca-1 → ... → ca-74 → leaf; every intermediate dies before the leaf, the odd
  // ones already expired: each makes its own problems, with long names in every message.
  let issuer = root;
  const intermediates: GeneratedCert[] = [];
  for (let i = 0; i < CHAIN_LENGTH - 1; i++) {
    issuer = await createCertificate({
      commonName: `Intermediate ${i} ${'of a very long chain '.repeat(8)}`.slice(0, 64),
      organization: `Org ${i} ${'x'.repeat(50)}`,
      notBefore: daysFrom(now, -400),
      notAfter: daysFrom(now, i % 2 === 0 ? 10 + i : -1 - i),
      key: { kind: 'ec' },
      isCa: true,
      issuer,
    });
    intermediates.push(issuer);
  }
  const leaf = await createCertificate({
    commonName: 'chain.test',
    notBefore: daysFrom(now, -10),
    notAfter: daysFrom(now, 300),
    key: { kind: 'ec' },
    issuer,
  });
  server = await startTlsServer({
    key: leaf.keyPem,
    cert: pemChain(leaf.certPem, ...intermediates.reverse().map((c) => c.certPem)),
  });
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe('a 76-certificate chain from a hostile server', () => {
  it('yields events within 256 KiB with at most 25 problems, the critical first, and problemsOmitted', async () => {
    const [result] = (await probeTarget(
      { host: 'chain.test', port: server.port },
      {
        caPems: [root.certPem],
        resolve: async () => [{ address: '127.0.0.1', family: 4 }],
        timeoutMs: 10_000,
      },
    )) as ProbeResult[];
    expect(result?.status).not.toBe('error');
    // The server really sent the whole chain, and it is a problem-rich one.
    expect(result!.problems.length).toBeGreaterThan(MAX_PROBLEMS_IN_EVENT);

    const events = eventsForProbeResults([result!], {
      scanId: 'scan-bounds',
      now,
      thresholds: DEFAULT_THRESHOLDS,
    });
    expect(events.length).toBeGreaterThan(0);
    const publisher = new EventBusPublisher({ busName: 'b' });
    for (const e of events) {
      const detail = e.detail as CertificateEventDetail;
      expect(detail.problems.length).toBe(MAX_PROBLEMS_IN_EVENT);
      expect(detail.problemsOmitted).toBe(result!.problems.length - MAX_PROBLEMS_IN_EVENT);
      // The most severe survive the cut.
      const critical = result!.problems.filter((p) => p.severity === 'critical').length;
      expect(
        detail.problems
          .slice(0, Math.min(critical, MAX_PROBLEMS_IN_EVENT))
          .every((p) => p.severity === 'critical'),
      ).toBe(true);
      expect(entrySize(publisher.toEntry(e))).toBeLessThan(MAX_EVENT_ENTRY_BYTES);
      assertValidEvent(e.detailType, e.detail);
    }
  });
});
