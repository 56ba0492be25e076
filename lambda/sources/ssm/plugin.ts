/** The `ssm` source's registry entry: imported by the registry and by the ssm scan worker alone (its bundle holds only this source). */
import type { SourcePlugin } from '../plugin';
import { storedValueOptions } from '../stored-value';
import { defaultSsmClient, SsmSource } from './ssm-source';

export const ssmPlugin: SourcePlugin = {
  summary: 'certificates in Parameter Store parameters selected by tag or name prefix, in each region',
  regional: true,
  create: (s, c) =>
    new SsmSource(s.regions ?? [], storedValueOptions('ssm', s.options), (region) =>
      defaultSsmClient(region, c.clientOverrides?.(region)),
    ),
};
