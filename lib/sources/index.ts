/**
 * The construct side of the source plugins: one binding per kind of store. SOURCE_BINDINGS maps a
 * kind named in the app's context (`watcher:sources`) to its binding; a construct user may also
 * pass any IWatcherSource to the `sources` prop directly.
 */
import type { SourceSetting } from '../../lambda/contracts/sources';
import { AcmSource } from './acm';
import { DiscoverySource, validateDiscoveryKinds } from './discovery';
import { IamSource } from './iam';
import { IotSource } from './iot';
import { PcaSource } from './pca';
import { SecretsSource } from './secrets';
import type { IWatcherSource } from './source';
import { SsmSource } from './ssm';

export * from './acm';
export * from './discovery';
export * from './iam';
export * from './iot';
export * from './pca';
export * from './secrets';
export * from './source';
export * from './ssm';

export const SOURCE_BINDINGS: Readonly<Record<string, (setting: SourceSetting) => IWatcherSource>> = {
  acm: (s) => new AcmSource({ regions: s.regions }),
  secrets: (s) => SecretsSource.fromSetting(s),
  ssm: (s) => SsmSource.fromSetting(s),
  pca: (s) => PcaSource.fromSetting(s),
  iam: (s) => IamSource.fromSetting(s),
  iot: (s) => IotSource.fromSetting(s),
  discovery: (s) =>
    new DiscoverySource({
      regions: s.regions,
      kinds: Array.isArray(s.options?.kinds)
        ? validateDiscoveryKinds(s.options.kinds as string[])
        : undefined,
    }),
};
