/**
 * Classic load balancers: every HTTPS or SSL listener with its certificate (`SSLCertificateId`, an
 * ACM or IAM ARN), at the load balancer's DNS name and port. One page holds 400 load balancers
 * with their listeners, so this is one call per 400.
 */
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing';
import type { Attachment, KindReader } from './types';

export const CLASSIC_PAGE = 400;

export const discoverElb: KindReader = async (ctx) => {
  if (!ctx.region) return [];
  const elb = ctx.clients.elb(ctx.region);
  const found: Attachment[] = [];
  let marker: string | undefined;
  do {
    const page = await elb.send(new DescribeLoadBalancersCommand({ Marker: marker, PageSize: CLASSIC_PAGE }));
    for (const lb of page.LoadBalancerDescriptions ?? []) {
      if (!lb.DNSName || !lb.LoadBalancerName) continue;
      const arn = `arn:${ctx.partition}:elasticloadbalancing:${ctx.region}:${ctx.account}:loadbalancer/${lb.LoadBalancerName}`;
      for (const { Listener: l } of lb.ListenerDescriptions ?? []) {
        const protocol = l?.Protocol?.toUpperCase();
        if (!l?.SSLCertificateId || !l.LoadBalancerPort || (protocol !== 'HTTPS' && protocol !== 'SSL'))
          continue;
        found.push({
          source: 'elb',
          resource: arn,
          host: lb.DNSName,
          port: l.LoadBalancerPort,
          certificateIds: [l.SSLCertificateId],
          internal: lb.Scheme === 'internal',
          tlsFromStart: true,
        });
      }
    }
    marker = page.NextMarker;
  } while (marker);
  return found;
};
