import { Aws } from 'aws-cdk-lib';
import { validateRegions } from '../config';
import {
  nagRegion,
  ReadOnlySource,
  type SourceBindOptions,
  type SourceReadAccess,
  type SourceSetting,
} from './source';

export interface AcmSourceProps {
  /**
   * Regions whose ACM certificates are listed.
   * @default the watcher's regions
   */
  readonly regions?: readonly string[];
}

/**
 * AWS Certificate Manager: every certificate (all statuses and key types) of each region, one
 * scope per region (`acm#<account>#<region>`). Grants `acm:ListCertificates` (no resource-level
 * permissions exist for it) and `acm:DescribeCertificate` on this account's certificates in
 * exactly the configured regions.
 */
export class AcmSource extends ReadOnlySource {
  readonly kind = 'acm';
  private readonly regions?: readonly string[];

  constructor(props: AcmSourceProps = {}) {
    super();
    this.regions = props.regions ? validateRegions(props.regions) : undefined;
  }

  readAccess(options: SourceBindOptions): SourceReadAccess {
    const regions = this.regions ?? options.regions;
    // Certificate ids are random and appear whenever someone requests or imports a certificate, so
    // the certificate part must be a wildcard; region and account are pinned.
    const grants = [
      { sid: 'AcmListCertificates', actions: ['acm:ListCertificates'], resources: ['*'] },
      {
        sid: 'AcmDescribeCertificates',
        actions: ['acm:DescribeCertificate', 'acm:ListTagsForCertificate'],
        resources: regions.map((r) => `arn:${Aws.PARTITION}:acm:${r}:${Aws.ACCOUNT_ID}:certificate/*`),
      },
    ];
    const acknowledgments = [
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'acm:ListCertificates supports no resource-level permissions; IAM requires Resource "*" for it.',
      },
      ...regions.map((r) => ({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:acm:${nagRegion(r)}:<AWS::AccountId>:certificate/*]`,
        reason:
          "acm:DescribeCertificate and acm:ListTagsForCertificate (tags, for routing to owners) on this account's certificates in a configured region: certificate ids are random and " +
          'unknown at deploy time. Read-only metadata, no private keys.',
      })),
    ];
    return { grants, acknowledgments };
  }

  protected setting(options: SourceBindOptions): SourceSetting {
    return { kind: this.kind, regions: [...(this.regions ?? options.regions)] };
  }
}
