/** The `secrets` source's registry entry: imported by the registry and by the secrets scan worker alone (its bundle holds only this source). */
import type { SourcePlugin } from '../plugin';
import { storedValueOptions } from '../stored-value';
import { defaultSecretsClient, SecretsSource } from './secrets-source';

export const secretsPlugin: SourcePlugin = {
  summary: 'certificates in Secrets Manager secrets selected by tag or name prefix, in each region',
  regional: true,
  create: (s, c) =>
    new SecretsSource(s.regions ?? [], storedValueOptions('secrets', s.options), (region) =>
      defaultSecretsClient(region, c.clientOverrides?.(region)),
    ),
};
