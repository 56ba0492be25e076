/**
 * Where IAM server certificates are served: CloudFront distributions (ViewerCertificate's
 * IAMCertificateId) and load balancer listeners (the IAM certificate's ARN) in the given regions.
 * Read once per scan, and only when a certificate is being reported: one ListDistributions
 * listing, and per region the ELBv2 load balancers with their HTTPS/TLS listeners' certificate
 * lists and the classic load balancers. A lookup that fails is named in `failed` and the others
 * still count, so a denied CloudFront call never hides a load balancer.
 */
import { CloudFrontClient, ListDistributionsCommand } from '@aws-sdk/client-cloudfront';
import {
  DescribeLoadBalancersCommand as DescribeClassicLoadBalancersCommand,
  ElasticLoadBalancingClient,
} from '@aws-sdk/client-elastic-load-balancing';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ItemError } from '../../core/ports';
import { errorCode, errorMessage, mapLimit } from '../../core/scan';
import { ELB_PAGE, listenerCertificates, loadBalancers, secureListeners } from '../elbv2-listeners';

/** CloudFront returns at most 100 distributions per page (ELB: {@link ELB_PAGE}). */
export const DISTRIBUTIONS_PAGE = 100;
export { ELB_PAGE };

/** Listener reads in flight per region: ELB's Describe APIs share one modest rate limit. */
const LISTENER_CONCURRENCY = 4;

export interface UsageClients {
  cloudFront(): CloudFrontClient;
  elbv2(region: string): ElasticLoadBalancingV2Client;
  elb(region: string): ElasticLoadBalancingClient;
}

/**
 * The lookup's clients with their defaults: CloudFront in `region` (global: the IAM region), ELB
 * per usage region, each with `config(region)` (endpoint, credentials, retries).
 */
export const defaultUsageClients = <C extends object>(
  region: string,
  config: (region: string) => C,
): UsageClients => ({
  cloudFront: () => new CloudFrontClient(config(region)),
  elbv2: (r) => new ElasticLoadBalancingV2Client(config(r)),
  elb: (r) => new ElasticLoadBalancingClient(config(r)),
});

export interface CertificateUsage {
  /** CloudFront distribution ARNs by the IAM certificate id they serve. */
  readonly byCertificateId: ReadonlyMap<string, readonly string[]>;
  /** ELBv2 listener and classic load balancer ARNs by the certificate ARN they serve. */
  readonly byArn: ReadonlyMap<string, readonly string[]>;
  /** Lookups that could not be read: what they would have found is unknown. */
  readonly failed: readonly ItemError[];
}

export interface UsageTarget {
  readonly partition: string;
  readonly account: string;
  readonly regions: readonly string[];
}

const add = (map: Map<string, string[]>, key: string | undefined, user: string): void => {
  if (!key) return;
  const users = map.get(key);
  if (!users) map.set(key, [user]);
  else if (!users.includes(user)) users.push(user);
};

const distributions = async (cf: CloudFrontClient, byId: Map<string, string[]>): Promise<void> => {
  let marker: string | undefined;
  do {
    const page = (
      await cf.send(new ListDistributionsCommand({ Marker: marker, MaxItems: DISTRIBUTIONS_PAGE }))
    ).DistributionList;
    for (const d of page?.Items ?? []) {
      if (d.ARN) add(byId, d.ViewerCertificate?.IAMCertificateId, d.ARN);
    }
    marker = page?.IsTruncated ? page.NextMarker : undefined;
  } while (marker);
};

const elbv2Listeners = async (
  elb: ElasticLoadBalancingV2Client,
  byArn: Map<string, string[]>,
): Promise<void> => {
  const balancers = await loadBalancers(elb);
  await mapLimit(balancers, LISTENER_CONCURRENCY, async (lb) => {
    const arn = lb.LoadBalancerArn ?? '';
    for (const l of await secureListeners(elb, arn))
      for (const cert of await listenerCertificates(elb, l)) add(byArn, cert, l.ListenerArn ?? arn);
  });
};

const classicListeners = async (
  elb: ElasticLoadBalancingClient,
  where: { partition: string; account: string; region: string },
  byArn: Map<string, string[]>,
): Promise<void> => {
  let marker: string | undefined;
  do {
    const page = await elb.send(
      new DescribeClassicLoadBalancersCommand({ Marker: marker, PageSize: ELB_PAGE }),
    );
    for (const lb of page.LoadBalancerDescriptions ?? []) {
      const arn = `arn:${where.partition}:elasticloadbalancing:${where.region}:${where.account}:loadbalancer/${lb.LoadBalancerName}`;
      for (const d of lb.ListenerDescriptions ?? []) add(byArn, d.Listener?.SSLCertificateId, arn);
    }
    marker = page.NextMarker;
  } while (marker);
};

/** Every place that serves a certificate, read once; a failed lookup is named, never thrown. */
export const readUsage = async (clients: UsageClients, target: UsageTarget): Promise<CertificateUsage> => {
  const byCertificateId = new Map<string, string[]>();
  const byArn = new Map<string, string[]>();
  const attempt = async (item: string, read: () => Promise<void>): Promise<ItemError | undefined> => {
    try {
      await read();
      return undefined;
    } catch (error) {
      return {
        item,
        code: errorCode(error),
        message: `not read, so "in use by" of the reported IAM certificates may be incomplete: ${errorMessage(error)}`,
      };
    }
  };
  // Failures in the order the lookups are listed, whichever failed first.
  const outcomes = await Promise.all([
    attempt('CloudFront distributions', () => distributions(clients.cloudFront(), byCertificateId)),
    ...target.regions.flatMap((region) => [
      attempt(`ELBv2 listeners in ${region}`, () => elbv2Listeners(clients.elbv2(region), byArn)),
      attempt(`classic load balancers in ${region}`, () =>
        classicListeners(clients.elb(region), { ...target, region }, byArn),
      ),
    ]),
  ]);
  const failed = outcomes.filter((f): f is ItemError => f !== undefined);
  return { byCertificateId, byArn, failed };
};
