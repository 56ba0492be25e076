/**
 * The construct side of the source plugins: one binding per kind of store. SOURCE_BINDINGS maps a
 * kind named in the app's context (`watcher:sources`) to its binding; a construct user may also
 * pass any IWatcherSource to the `sources` prop directly.
 */
import type { SourceSetting } from '../../lambda/contracts/sources';
import { AcmSource } from './acm';
import type { IWatcherSource } from './source';

export * from './acm';
export * from './source';

export const SOURCE_BINDINGS: Readonly<Record<string, (setting: SourceSetting) => IWatcherSource>> = {
  acm: (s) => new AcmSource({ regions: s.regions }),
};
