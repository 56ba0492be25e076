/** Probe results through the real lifecycle (in-memory state, default configuration): what reached the bus. */
import type { BusEvent } from '../../lambda/core/events';
import { lifecycleConfig } from '../../lambda/lifecycle/model';
import { lifecycleScanFromProbeResults } from '../../lambda/lifecycle/observations';
import { processScan } from '../../lambda/lifecycle/run-lifecycle';
import type { ProbeResult } from '../../lambda/sources/endpoint/types';
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
