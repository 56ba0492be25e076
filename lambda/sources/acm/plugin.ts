/** The `acm` source's registry entry: imported by the registry and by the acm scan worker alone (its bundle holds only this source). */
import type { SourcePlugin } from '../plugin';
import { AcmSource, defaultAcmClient } from './acm-source';

export const acmPlugin: SourcePlugin = {
  summary: 'every ACM certificate (all statuses and key types) in each region',
  regional: true,
  create: (s, c) =>
    new AcmSource(s.regions ?? [], (region) => defaultAcmClient(region, c.clientOverrides?.(region))),
};
