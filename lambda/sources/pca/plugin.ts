/** The `pca` source's registry entry: imported by the registry and by the pca scan worker alone (its bundle holds only this source). */
import type { SourcePlugin } from '../plugin';
import { defaultPcaClient, PcaSource } from './pca-source';

export const pcaPlugin: SourcePlugin = {
  summary: 'every Private CA (root and subordinate, every status) in each region, graded by CA tiers',
  regional: true,
  create: (s, c) =>
    new PcaSource(s.regions ?? [], {
      clientFor: (region) => defaultPcaClient(region, c.clientOverrides?.(region)),
      options: s.options,
    }),
};
