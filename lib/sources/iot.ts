import { Aws } from 'aws-cdk-lib';
import { DEFAULT_IOT_OPTIONS, type IotOptions, iotOptions } from '../../lambda/contracts/iot-options';
import { InvalidSourceSettingError } from '../../lambda/contracts/sources';
import { InvalidWatcherConfigError, validateRegions } from '../config';
import {
  nagRegion,
  type ReadGrant,
  ReadOnlySource,
  type SourceBindOptions,
  type SourceReadAccess,
  type SourceSetting,
} from './source';

export interface IotSourceProps {
  /**
   * Regions whose IoT Core certificates are listed.
   * @default the watcher's regions
   */
  readonly regions?: readonly string[];
  /**
   * DescribeCertificate calls in flight per region. IoT lists no validity, so every certificate is
   * described once per scan; IoT's default quota for DescribeCertificate is 10 requests per
   * second, and the SDK's adaptive retry slows down to it.
   * @default 8
   */
  readonly describeConcurrency?: number;
  /**
   * Also list the registered CA certificates (one expiring breaks every device it signed).
   * @default true
   */
  readonly caCertificates?: boolean;
  /**
   * Seconds a region's descriptions may take before the rest of the fleet waits for the next
   * scan (reported, the scope incomplete); keep it below the inventory timeout.
   * @default 240
   */
  readonly describeBudgetSeconds?: number;
}

/**
 * AWS IoT Core: device certificates and registered CA certificates of each region, one scope per
 * region (`iot#<account>#<region>`). Grants the listings (no resource-level permissions exist for
 * them), DescribeCertificate / DescribeCACertificate on this account's certificates in exactly the
 * configured regions, and ListPrincipalThings (for the things using a reported certificate).
 */
export class IotSource extends ReadOnlySource {
  readonly kind = 'iot';
  private readonly regions?: readonly string[];
  private readonly options: IotOptions;

  /** The binding for a `watcher:sources` setting (`{"kind":"iot","options":{"describeConcurrency":16}}`). */
  static fromSetting(setting: SourceSetting): IotSource {
    return new IotSource({ regions: setting.regions, ...IotSource.checked(setting.options) });
  }

  /** The Lambda's own option rules (lambda/contracts/iot-options.ts), as construct errors. */
  private static checked(options: Readonly<Record<string, unknown>> = {}): IotOptions {
    try {
      return iotOptions(options);
    } catch (error) {
      if (error instanceof InvalidSourceSettingError) throw new InvalidWatcherConfigError(error.message);
      throw error;
    }
  }

  constructor(props: IotSourceProps = {}) {
    super();
    this.regions = props.regions ? validateRegions(props.regions) : undefined;
    const { regions: _regions, ...options } = props;
    this.options = IotSource.checked(options);
  }

  readAccess(options: SourceBindOptions): SourceReadAccess {
    const regions = this.regions ?? options.regions;
    // Certificate ids are the certificates' hashes, unknown until a device registers one, so the
    // id part must be a wildcard; region and account are pinned.
    const arn = (r: string, type: 'cert' | 'cacert') =>
      `arn:${Aws.PARTITION}:iot:${r}:${Aws.ACCOUNT_ID}:${type}/*`;
    const grants: ReadGrant[] = [
      {
        sid: 'IotListCertificates',
        actions: [
          'iot:ListCertificates',
          ...(this.options.caCertificates ? ['iot:ListCACertificates'] : []),
          'iot:ListPrincipalThings',
        ],
        resources: ['*'],
      },
      {
        sid: 'IotDescribeCertificates',
        actions: ['iot:DescribeCertificate'],
        resources: regions.map((r) => arn(r, 'cert')),
      },
    ];
    if (this.options.caCertificates)
      grants.push({
        sid: 'IotDescribeCaCertificates',
        actions: ['iot:DescribeCACertificate'],
        resources: regions.map((r) => arn(r, 'cacert')),
      });
    const acknowledgments = [
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'iot:ListCertificates, iot:ListCACertificates and iot:ListPrincipalThings support no resource-level ' +
          'permissions; IAM requires Resource "*" for them. Read-only listings.',
      },
      ...regions.flatMap((r) =>
        (this.options.caCertificates ? (['cert', 'cacert'] as const) : (['cert'] as const)).map((type) => ({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iot:${nagRegion(r)}:<AWS::AccountId>:${type}/*]`,
          reason:
            `iot:Describe${type === 'cert' ? 'Certificate' : 'CACertificate'} on this account's ${type === 'cert' ? 'device' : 'CA'} ` +
            'certificates in a configured region: certificate ids are unknown at deploy time. Returns the public ' +
            'certificate only; IoT never holds device private keys.',
        })),
      ),
    ];
    return { grants, acknowledgments };
  }

  protected setting(options: SourceBindOptions): SourceSetting {
    // Only what differs from the defaults travels in WATCHER_SOURCES.
    const settingOptions = Object.fromEntries(
      Object.entries(this.options).filter(([k, v]) => DEFAULT_IOT_OPTIONS[k as keyof IotOptions] !== v),
    );
    return {
      kind: this.kind,
      regions: [...(this.regions ?? options.regions)],
      ...(Object.keys(settingOptions).length > 0 ? { options: settingOptions } : {}),
    };
  }
}
