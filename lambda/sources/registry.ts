/**
 * The source registry: one line per kind of certificate store. The inventory builds its sources
 * from the WATCHER_SOURCES setting through it; a kind not listed here is refused at init, naming
 * the kinds that are. Adding a source: its adapter under lambda/sources/<kind>/, one line here,
 * its construct binding under lib/sources/ (docs/architecture.md, "Add a source").
 */
import {
  checkOptions,
  InvalidSourceSettingError,
  parseSourceSettings,
  type SourceSetting,
} from '../contracts/sources';
import type { CertificateSource } from '../core/ports';
import { acmPlugin } from './acm/plugin';
import { iamPlugin } from './iam/plugin';
import { iotPlugin } from './iot/plugin';
import { pcaPlugin } from './pca/plugin';
import type { SourceContext, SourceRegistry } from './plugin';
import { secretsPlugin } from './secrets/plugin';
import { ssmPlugin } from './ssm/plugin';

export type { ClientOverrides, SourceContext, SourceFactory, SourcePlugin, SourceRegistry } from './plugin';

export const SOURCE_REGISTRY: SourceRegistry = {
  acm: acmPlugin,
  secrets: secretsPlugin,
  ssm: ssmPlugin,
  pca: pcaPlugin,
  iam: iamPlugin,
  iot: iotPlugin,
};

/** The configured sources, each built by its registry line. Throws InvalidSourceSettingError for an unknown kind. */
export const buildSources = (
  settings: readonly SourceSetting[] | string,
  context: SourceContext = {},
  registry: SourceRegistry = SOURCE_REGISTRY,
): CertificateSource[] =>
  (typeof settings === 'string' ? parseSourceSettings(settings) : settings).map((setting) => {
    const plugin = registry[setting.kind];
    if (!plugin)
      throw new InvalidSourceSettingError(
        `unknown source kind "${setting.kind}"; this build knows ${Object.keys(registry).sort().join(', ')}`,
      );
    checkOptions(setting, `source "${setting.kind}"`);
    return plugin.create(setting, context);
  });
