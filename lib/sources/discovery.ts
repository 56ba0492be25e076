import { Aws } from 'aws-cdk-lib';
import { DISCOVERY_KINDS, type DiscoveryKind } from '../../lambda/contracts/discovery';
import { type DiscoverySettings, InvalidWatcherConfigError, validateRegions } from '../config';
import {
  type IWatcherSource,
  type ReadGrant,
  ReadOnlySource,
  type SourceBindOptions,
  type SourceReadAccess,
  type SourceSetting,
  type WildcardAcknowledgment,
} from './source';

export interface DiscoverySourceProps {
  /** @default every kind */
  readonly kinds?: readonly DiscoveryKind[];
  /** @default the watcher's regions */
  readonly regions?: readonly string[];
}

/** Checks the kinds at synth, naming the bad one. */
export const validateDiscoveryKinds = (kinds: readonly string[]): DiscoveryKind[] => {
  if (kinds.length === 0)
    throw new InvalidWatcherConfigError('discovery kinds must not be empty; omit it for every kind');
  for (const k of kinds)
    if (!(DISCOVERY_KINDS as readonly string[]).includes(k))
      throw new InvalidWatcherConfigError(
        `discovery kinds: unknown kind '${k}' (one of ${DISCOVERY_KINDS.join(', ')})`,
      );
  return [...new Set(kinds)] as DiscoveryKind[];
};

/**
 * Discovery of deployed endpoints (`discovery#<account>#<region>` per region and one global
 * `discovery#<account>` scope): load balancer listeners, CloudFront distributions, API Gateway
 * custom domain names and certificates tagged `cert-watch:endpoints`, each endpoint sent to the
 * probe queue. Read-only grants, each only for the kinds configured: Elastic Load Balancing
 * Describe*, cloudfront:ListDistributions, apigateway:GET on the domain name lists, ACM
 * DescribeCertificate / ListTagsForCertificate (and ListCertificates for tags), IAM server
 * certificate list/get/tags, secretsmanager:ListSecrets (names and tags, never a value).
 */
export class DiscoverySource extends ReadOnlySource {
  readonly kind = 'discovery';
  private readonly kinds: readonly DiscoveryKind[];
  private readonly regions?: readonly string[];

  constructor(props: DiscoverySourceProps = {}) {
    super();
    this.kinds = props.kinds ? validateDiscoveryKinds(props.kinds) : DISCOVERY_KINDS;
    this.regions = props.regions ? validateRegions(props.regions) : undefined;
  }

  private has(...kinds: DiscoveryKind[]): boolean {
    return kinds.some((k) => this.kinds.includes(k));
  }

  readAccess(options: SourceBindOptions): SourceReadAccess {
    const regions = [...(this.regions ?? options.regions)];
    const grants: ReadGrant[] = [];
    const star: string[] = [];
    const acks: WildcardAcknowledgment[] = [];
    if (this.has('elbv2', 'elb')) {
      grants.push({
        sid: 'DiscoveryLoadBalancers',
        actions: [
          'elasticloadbalancing:DescribeLoadBalancers',
          'elasticloadbalancing:DescribeListeners',
          'elasticloadbalancing:DescribeListenerCertificates',
        ],
        resources: ['*'],
        // No resource-level permissions exist for these; the region is what can be narrowed.
        conditions: { StringEquals: { 'aws:RequestedRegion': regions } },
      });
      star.push(
        'elasticloadbalancing:DescribeLoadBalancers/DescribeListeners/DescribeListenerCertificates (limited to the configured regions by aws:RequestedRegion)',
      );
    }
    if (this.has('cloudfront')) {
      grants.push({
        sid: 'DiscoveryCloudFront',
        actions: ['cloudfront:ListDistributions'],
        resources: ['*'],
      });
      star.push('cloudfront:ListDistributions');
    }
    if (this.has('apigateway'))
      grants.push({
        sid: 'DiscoveryApiGatewayDomainNames',
        // GET /domainnames (REST) and GET /v2/domainnames (HTTP/WebSocket) both authorize on this ARN.
        actions: ['apigateway:GET'],
        resources: regions.map((r) => `arn:${Aws.PARTITION}:apigateway:${r}::/domainnames`),
      });
    // Every kind names certificates: their names, serial and dates come from the store.
    grants.push({
      sid: 'DiscoveryAcmCertificates',
      actions: ['acm:DescribeCertificate', 'acm:ListTagsForCertificate'],
      resources: [`arn:${Aws.PARTITION}:acm:*:${Aws.ACCOUNT_ID}:certificate/*`],
    });
    acks.push({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:acm:*:<AWS::AccountId>:certificate/*]',
      reason:
        "acm:DescribeCertificate and acm:ListTagsForCertificate on this account's certificates, in any region: a load balancer, " +
        'distribution or domain name may use any of them (CloudFront uses us-east-1), and they are created after deploy. Read-only.',
    });
    grants.push({
      sid: 'DiscoveryIamServerCertificates',
      actions: ['iam:GetServerCertificate', 'iam:ListServerCertificateTags'],
      resources: [`arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:server-certificate/*`],
    });
    acks.push({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:server-certificate/*]',
      reason:
        "iam:GetServerCertificate and iam:ListServerCertificateTags on this account's server certificates (names chosen at upload, " +
        'after deploy): their names, dates and successors. IAM never returns the private key.',
    });
    const listing = ['iam:ListServerCertificates'];
    if (this.has('tag')) listing.push('acm:ListCertificates', 'secretsmanager:ListSecrets');
    grants.push({ sid: 'DiscoveryListCertificates', actions: listing, resources: ['*'] });
    star.push(listing.join(', '));
    acks.push({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `${star.join('; ')}: these support no resource-level permissions, so IAM requires Resource "*". All are read-only; secretsmanager:ListSecrets returns names and tags, never a value.`,
    });
    return { grants, acknowledgments: acks };
  }

  protected setting(options: SourceBindOptions): SourceSetting {
    const regions = [...(this.regions ?? options.regions)];
    return {
      kind: this.kind,
      regions,
      ...(this.kinds.length < DISCOVERY_KINDS.length ? { options: { kinds: [...this.kinds] } } : {}),
    };
  }
}

/** `sources` plus a DiscoverySource when the `discovery` prop is on. */
export const withDiscovery = (
  sources: readonly IWatcherSource[],
  settings: DiscoverySettings | undefined,
): IWatcherSource[] =>
  settings?.enabled
    ? [...sources, new DiscoverySource({ kinds: settings.kinds, regions: settings.regions })]
    : [...sources];
