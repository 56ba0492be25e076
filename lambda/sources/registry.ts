/**
 * The source registry: one line per kind of certificate store. The inventory builds its sources
 * from the WATCHER_SOURCES setting through it; a kind not listed here is refused at init, naming
 * the kinds that are. Adding a source: its adapter under lambda/sources/<kind>/, one line here,
 * its construct binding under lib/sources/ (docs/architecture.md, "Add a source").
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import {
  checkOptions,
  InvalidSourceSettingError,
  parseSourceSettings,
  type SourceSetting,
} from '../contracts/sources';
import type { CertificateSource } from '../core/ports';
import { AcmSource, defaultAcmClient } from './acm/acm-source';
import { defaultIamClients, IamSource, iamSourceOptions } from './iam/iam-source';
import { defaultIotClient, IotSource, iotOptions } from './iot/iot-source';
import { defaultPcaClient, PcaSource } from './pca/pca-source';
import { defaultSecretsClient, SecretsSource } from './secrets/secrets-source';
import { defaultSsmClient, SsmSource } from './ssm/ssm-source';
import { storedValueOptions } from './stored-value';

/** What every AWS SDK client of a source gets on top of its own defaults (endpoint, credentials). */
export interface ClientOverrides {
  readonly region?: string;
  readonly endpoint?: string;
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

export interface SourceContext {
  /** Per region: the local emulator's endpoint in tests, assumed-role credentials for other accounts. */
  readonly clientOverrides?: (region: string) => ClientOverrides;
}

export type SourceFactory = (setting: SourceSetting, context: SourceContext) => CertificateSource;

/** One kind of store: how to build it, and what the CLI says about it. */
export interface SourcePlugin {
  /** One line for `cert-watch scan --help`. */
  readonly summary: string;
  /** Regional stores get one scope per region (`--regions`); global ones one per account. */
  readonly regional: boolean;
  readonly create: SourceFactory;
}

export type SourceRegistry = Readonly<Record<string, SourcePlugin>>;

export const SOURCE_REGISTRY: SourceRegistry = {
  acm: {
    summary: 'every ACM certificate (all statuses and key types) in each region',
    regional: true,
    create: (s, c) =>
      new AcmSource(s.regions ?? [], (region) => defaultAcmClient(region, c.clientOverrides?.(region))),
  },
  secrets: {
    summary: 'certificates in Secrets Manager secrets selected by tag or name prefix, in each region',
    regional: true,
    create: (s, c) =>
      new SecretsSource(s.regions ?? [], storedValueOptions('secrets', s.options), (region) =>
        defaultSecretsClient(region, c.clientOverrides?.(region)),
      ),
  },
  ssm: {
    summary: 'certificates in Parameter Store parameters selected by tag or name prefix, in each region',
    regional: true,
    create: (s, c) =>
      new SsmSource(s.regions ?? [], storedValueOptions('ssm', s.options), (region) =>
        defaultSsmClient(region, c.clientOverrides?.(region)),
      ),
  },
  pca: {
    summary: 'every Private CA (root and subordinate, every status) in each region, graded by CA tiers',
    regional: true,
    create: (s, c) =>
      new PcaSource(s.regions ?? [], {
        clientFor: (region) => defaultPcaClient(region, c.clientOverrides?.(region)),
        options: s.options,
      }),
  },
  iam: {
    summary: 'IAM server certificates (global), with the CloudFront and load balancer listeners using them',
    regional: false,
    create: (s, c) =>
      new IamSource(iamSourceOptions(s.options), (region) => defaultIamClients(region, c.clientOverrides)),
  },
  iot: {
    summary: 'IoT Core device certificates and registered CA certificates in each region',
    regional: true,
    create: (s, c) =>
      new IotSource(
        s.regions ?? [],
        (region) => defaultIotClient(region, c.clientOverrides?.(region)),
        iotOptions(s.options),
      ),
  },
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
