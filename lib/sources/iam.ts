import { Aws } from 'aws-cdk-lib';
import { InvalidWatcherConfigError, validateRegions } from '../config';
import {
  type ReadGrant,
  ReadOnlySource,
  type SourceBindOptions,
  type SourceReadAccess,
  type SourceSetting,
} from './source';

export interface IamSourceProps {
  /**
   * Regions whose load balancers are searched for HTTPS/TLS listeners serving a reported IAM
   * certificate (CloudFront is global and always searched).
   * @default the watcher's regions
   */
  readonly usageRegions?: readonly string[];
  /**
   * Look up the CloudFront distributions and load balancer listeners that serve a reported
   * certificate. Without it, no CloudFront or Elastic Load Balancing permission is granted.
   * @default true
   */
  readonly lookUpUsage?: boolean;
  /**
   * Region the IAM and CloudFront clients use: another partition's region (e.g. cn-north-1,
   * us-gov-west-1) outside the aws partition.
   * @default 'us-east-1'
   */
  readonly region?: string;
}

/**
 * IAM server certificates (the certificates CloudFront and load balancers serve from IAM): one
 * global scope per account (`iam#<account>`). Grants `iam:ListServerCertificates`,
 * `iam:GetServerCertificate` on this account's server certificates, and, for "in use by",
 * CloudFront and Elastic Load Balancing describe/list actions. All read-only; IAM never returns a
 * server certificate's private key.
 */
export class IamSource extends ReadOnlySource {
  readonly kind = 'iam';
  private readonly usageRegions?: readonly string[];
  private readonly lookUpUsage: boolean;
  private readonly region?: string;

  /** The binding for a `watcher:sources` entry: `{"kind":"iam","options":{"usageRegions":[...]}}`. */
  static fromSetting(setting: SourceSetting): IamSource {
    const { usageRegions, lookUpUsage, region } = setting.options ?? {};
    if (
      usageRegions !== undefined &&
      !(Array.isArray(usageRegions) && usageRegions.every((r) => typeof r === 'string'))
    )
      throw new InvalidWatcherConfigError(
        `iam usageRegions must be a list of regions, got ${JSON.stringify(usageRegions)}`,
      );
    if (lookUpUsage !== undefined && typeof lookUpUsage !== 'boolean')
      throw new InvalidWatcherConfigError(
        `iam lookUpUsage must be true or false, got ${JSON.stringify(lookUpUsage)}`,
      );
    if (region !== undefined && typeof region !== 'string')
      throw new InvalidWatcherConfigError(`iam region must be a region name, got ${JSON.stringify(region)}`);
    return new IamSource({ usageRegions, lookUpUsage, region });
  }

  constructor(props: IamSourceProps = {}) {
    super();
    this.usageRegions = props.usageRegions ? validateRegions(props.usageRegions) : undefined;
    this.lookUpUsage = props.lookUpUsage ?? true;
    this.region = props.region === undefined ? undefined : validateRegions([props.region])[0];
  }

  readAccess(options: SourceBindOptions): SourceReadAccess {
    const grants: ReadGrant[] = [
      { sid: 'IamListServerCertificates', actions: ['iam:ListServerCertificates'], resources: ['*'] },
      // Certificate names are chosen at upload time, long after deploy: the name part is a wildcard.
      {
        sid: 'IamGetServerCertificates',
        actions: ['iam:GetServerCertificate', 'iam:ListServerCertificateTags'],
        resources: [`arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:server-certificate/*`],
      },
    ];
    if (this.lookUpUsage)
      grants.push(
        { sid: 'IamCertificateUsageCloudFront', actions: ['cloudfront:ListDistributions'], resources: ['*'] },
        {
          sid: 'IamCertificateUsageLoadBalancers',
          actions: [
            'elasticloadbalancing:DescribeLoadBalancers',
            'elasticloadbalancing:DescribeListeners',
            'elasticloadbalancing:DescribeListenerCertificates',
          ],
          resources: ['*'],
          // No resource-level permissions exist for these; the region is what can be narrowed.
          conditions: { StringEquals: { 'aws:RequestedRegion': [...this.usageRegionsOf(options)] } },
        },
      );
    const acknowledgments = [
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: this.lookUpUsage
          ? 'iam:ListServerCertificates, cloudfront:ListDistributions and elasticloadbalancing:DescribeLoadBalancers/' +
            'DescribeListeners/DescribeListenerCertificates support no resource-level permissions; IAM requires ' +
            'Resource "*" for them (the load balancer ones are limited to the configured regions by ' +
            'aws:RequestedRegion). All are read-only.'
          : 'iam:ListServerCertificates supports no resource-level permissions; IAM requires Resource "*" for it.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:server-certificate/*]',
        reason:
          "iam:GetServerCertificate and iam:ListServerCertificateTags (tags, for routing to owners) on this account's server certificates: their names are chosen at upload time, " +
          'after deploy. It returns the certificate body and chain, never the private key.',
      },
    ];
    return { grants, acknowledgments };
  }

  private usageRegionsOf(options: SourceBindOptions): readonly string[] {
    return this.usageRegions ?? options.regions;
  }

  protected setting(options: SourceBindOptions): SourceSetting {
    return {
      kind: this.kind,
      options: {
        ...(this.region ? { region: this.region } : {}),
        usageRegions: [...this.usageRegionsOf(options)],
        ...(this.lookUpUsage ? {} : { lookUpUsage: false }),
      },
    };
  }
}
