/**
 * Application and Network Load Balancers (not gateway ones: no TLS listeners): every HTTPS or TLS
 * listener and every certificate on it, the default and the SNI ones (DescribeListenerCertificates:
 * DescribeListeners names the default alone). One attachment per (listener, certificate), at the
 * load balancer's DNS name and the listener's port. Pages: 400 load balancers or listeners.
 */
import {
  DescribeListenerCertificatesCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  type ElasticLoadBalancingV2Client,
  type Listener,
  type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { errorCode, errorMessage, mapLimit } from '../../core/scan';
import { type Attachment, DESCRIBE_CONCURRENCY, type KindReader } from './types';

export const ELB_PAGE = 400;

const loadBalancers = async (elb: ElasticLoadBalancingV2Client): Promise<LoadBalancer[]> => {
  const out: LoadBalancer[] = [];
  let marker: string | undefined;
  do {
    const page = await elb.send(new DescribeLoadBalancersCommand({ Marker: marker, PageSize: ELB_PAGE }));
    for (const lb of page.LoadBalancers ?? [])
      if (lb.LoadBalancerArn && lb.DNSName && lb.Type !== 'gateway') out.push(lb);
    marker = page.NextMarker;
  } while (marker);
  return out;
};

const secureListeners = async (elb: ElasticLoadBalancingV2Client, lbArn: string): Promise<Listener[]> => {
  const out: Listener[] = [];
  let marker: string | undefined;
  do {
    const page = await elb.send(
      new DescribeListenersCommand({ LoadBalancerArn: lbArn, Marker: marker, PageSize: ELB_PAGE }),
    );
    for (const l of page.Listeners ?? [])
      if (l.ListenerArn && l.Port && (l.Protocol === 'HTTPS' || l.Protocol === 'TLS')) out.push(l);
    marker = page.NextMarker;
  } while (marker);
  return out;
};

/** The listener's default certificate (from DescribeListeners) and its SNI certificate list. */
const listenerCertificates = async (
  elb: ElasticLoadBalancingV2Client,
  listener: Listener,
): Promise<string[]> => {
  const arns = new Set<string>();
  for (const c of listener.Certificates ?? []) if (c.CertificateArn) arns.add(c.CertificateArn);
  let marker: string | undefined;
  do {
    const page = await elb.send(
      new DescribeListenerCertificatesCommand({
        ListenerArn: listener.ListenerArn,
        Marker: marker,
        PageSize: ELB_PAGE,
      }),
    );
    for (const c of page.Certificates ?? []) if (c.CertificateArn) arns.add(c.CertificateArn);
    marker = page.NextMarker;
  } while (marker);
  return [...arns];
};

export const discoverElbv2: KindReader = async (ctx) => {
  if (!ctx.region) return [];
  const elb = ctx.clients.elbv2(ctx.region);
  const found: Attachment[] = [];
  await mapLimit(await loadBalancers(elb), DESCRIBE_CONCURRENCY, async (lb) => {
    try {
      for (const listener of await secureListeners(elb, lb.LoadBalancerArn!))
        for (const certificate of await listenerCertificates(elb, listener))
          found.push({
            source: 'elbv2',
            resource: listener.ListenerArn!,
            host: lb.DNSName!,
            port: listener.Port!,
            certificateIds: [certificate],
            internal: lb.Scheme === 'internal',
            tlsFromStart: true,
          });
    } catch (error) {
      ctx.report({ item: lb.LoadBalancerArn!, code: errorCode(error), message: errorMessage(error) });
      ctx.markPartial();
    }
  });
  return found;
};
