/**
 * The prober probes only configured targets: a queue message naming anything else (forged, or left
 * from an older configuration) has that target dropped with a log line and a metric, never probed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusEvent } from '../../lambda/core/events';
import type { Logger } from '../../lambda/core/ports';
import { makeProbeHandler, probeConfigFromEnv } from '../../lambda/handlers/make-probe-handler';
import { probeAll } from '../../lambda/sources/endpoint/probe';
import { createChain, daysFrom } from '../support/certs';
import { endpointsFileEnv, probeBatchRecords } from '../support/endpoints-file';
import { pemChain, type RunningServer, startTlsServer } from '../support/tls-servers';

const NOW = new Date();
let configured: RunningServer;
let other: RunningServer;

beforeAll(async () => {
  const chain = await createChain({
    now: NOW,
    leaf: { commonName: 'localhost', notBefore: daysFrom(NOW, -10), notAfter: daysFrom(NOW, 3.5) },
  });
  const spec = { key: chain.leaf.keyPem, cert: pemChain(chain.leaf.certPem, chain.intermediate.certPem) };
  configured = await startTlsServer(spec);
  other = await startTlsServer(spec);
});
afterAll(async () => {
  await configured.close();
  await other.close();
});

const run = async (targets: unknown[]) => {
  const events: BusEvent[] = [];
  const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
  const metrics: Record<string, number>[] = [];
  const logger: Logger = {
    info: () => {},
    error: () => {},
    warn: (message, fields) => warnings.push({ message, fields }),
  };
  const handler = makeProbeHandler({
    config: probeConfigFromEnv({
      EVENT_BUS_NAME: 'bus',
      PROBE_TIMEOUT_MS: '5000',
      PROBE_CONCURRENCY: '4',
      PROBE_DUAL_CERTIFICATES: 'false',
      ...endpointsFileEnv([{ host: 'localhost', port: configured.port, labels: { team: 'payments' } }]),
    }),
    probe: (list, options) =>
      probeAll(list, { ...options, resolve: async () => [{ address: '127.0.0.1', family: 4 }] }),
    publisher: {
      publish: async (e) => {
        events.push(...e);
        return { published: e.length };
      },
    },
    logger,
    metrics: (m) => metrics.push(m as Record<string, number>),
    clock: () => NOW,
  });
  const response = await handler({ Records: probeBatchRecords(targets, NOW) });
  return { response, events, warnings, metrics };
};

describe('the prober probes only configured targets', () => {
  it('drops a target the configuration does not list: no connection, a warning and EndpointTargetsRejected', async () => {
    const { response, events, warnings, metrics } = await run([
      { host: 'localhost', port: configured.port },
      { host: 'localhost', port: other.port },
      { host: '10.1.2.3', port: 22 },
    ]);
    expect(response.batchItemFailures).toEqual([]);
    expect(other.servernames).toEqual([]);
    expect(configured.servernames).toEqual(['localhost']);
    expect(warnings.map((w) => [w.message, w.fields?.target])).toEqual([
      ['endpoint target not in the configuration; dropped, not probed', `localhost:${other.port}`],
      ['endpoint target not in the configuration; dropped, not probed', '10.1.2.3:22'],
    ]);
    expect(metrics).toContainEqual({ EndpointTargetsRejected: 2 });
    const completed = events.find((e) => e.detailType === 'Scan Completed');
    expect(completed?.detail).toMatchObject({ endpointsChecked: 1 });
  });

  it('probes a configured target as configured: labels in the message are not trusted', async () => {
    const { events } = await run([
      { host: 'LOCALHOST', port: configured.port, labels: { team: 'attacker' } },
    ]);
    const expiring = events.find((e) => e.detailType === 'Certificate Expiring');
    expect(expiring?.detail).toMatchObject({ certificate: { labels: { team: 'payments' } } });
  });

  it('a message target that is not even an object is dropped, the rest of the batch still probed', async () => {
    const { warnings, events } = await run([
      'localhost:1',
      null,
      { host: 'localhost', port: configured.port },
    ]);
    expect(warnings).toHaveLength(2);
    expect(events.find((e) => e.detailType === 'Scan Completed')?.detail).toMatchObject({
      endpointsChecked: 1,
    });
  });

  it('the prober refuses to start without its endpoint list (ENDPOINTS_FILE)', () => {
    expect(() =>
      probeConfigFromEnv({
        EVENT_BUS_NAME: 'bus',
        PROBE_TIMEOUT_MS: '1000',
        PROBE_CONCURRENCY: '4',
        ENDPOINTS_FILE: '/nonexistent/endpoints.json',
      }),
    ).toThrow(/cannot read the endpoint list \/nonexistent\/endpoints\.json \(ENDPOINTS_FILE\)/);
  });
});
