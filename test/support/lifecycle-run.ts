/** Probe results through the real lifecycle (in-memory state, default configuration): what reached the bus. */

import type { SQSEvent } from 'aws-lambda';
import type { EndpointTarget } from '../../lambda/contracts/endpoints';
import type { BusEvent } from '../../lambda/core/events';
import { silentLogger } from '../../lambda/core/ports';
import { makeProbeHandler, probeConfigFromEnv } from '../../lambda/handlers/make-probe-handler';
import type { Publisher } from '../../lambda/handlers/scan-scope';
import { lifecycleConfig } from '../../lambda/lifecycle/model';
import { lifecycleScanFromProbeResults } from '../../lambda/lifecycle/observations';
import { type LifecycleStore, processScan } from '../../lambda/lifecycle/run-lifecycle';
import { probeAll } from '../../lambda/sources/endpoint/probe';
import type { ProbeResult } from '../../lambda/sources/endpoint/types';
import { endpointsFileEnv } from './endpoints-file';
import { InMemoryLifecycleStore } from './in-memory-lifecycle-store';

export const lifecycleEventsFor = async (results: readonly ProbeResult[], now: Date): Promise<BusEvent[]> => {
  const events: BusEvent[] = [];
  const publisher = {
    publish: async (e: readonly BusEvent[]) => {
      events.push(...e);
      return { published: e.length };
    },
  };
  const deps = {
    store: new InMemoryLifecycleStore(),
    publisher,
    now,
    clock: () => now,
    config: lifecycleConfig(),
  };
  await processScan(deps, lifecycleScanFromProbeResults('scan-1', results));
  return events;
};

/**
 * The deployed prober's logic with its lifecycle on `store`, probing loopback servers (every name
 * resolves to 127.0.0.1, no dual-certificate look), trusting `caFile`, at the fixed instant `now`.
 */
export const loopbackProber = (o: {
  readonly store: LifecycleStore;
  readonly now: Date;
  readonly publisher: Publisher;
  readonly caFile?: string;
  /** The configured endpoints: the prober probes nothing else. */
  readonly targets: readonly EndpointTarget[];
}) =>
  makeProbeHandler({
    config: probeConfigFromEnv({
      ...endpointsFileEnv(o.targets),
      EVENT_BUS_NAME: 'bus',
      PROBE_TIMEOUT_MS: '3000',
      PROBE_CONCURRENCY: '4',
      PROBE_DUAL_CERTIFICATES: 'false',
      ...(o.caFile ? { CA_FILE: o.caFile } : {}),
    }),
    lifecycle: { store: o.store, config: lifecycleConfig() },
    probe: (targets, options) =>
      probeAll(targets, {
        ...options,
        resolve: async () => [{ address: '127.0.0.1', family: 4 as const }],
      }),
    publisher: o.publisher,
    logger: silentLogger,
    metrics: () => {},
    clock: () => o.now,
  });

/** SQS records of these message bodies (ids m0, m1, ...). */
export const sqsEventOf = (bodies: readonly string[]): SQSEvent => ({
  Records: bodies.map((body, i) => ({ messageId: `m${i}`, body })) as SQSEvent['Records'],
});
