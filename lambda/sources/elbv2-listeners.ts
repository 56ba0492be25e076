/**
 * The HTTPS and TLS listeners of Application and Network Load Balancers and the certificates on
 * them, as ELBv2 lists them (pages of 400): the discovery source (discovery/elbv2.ts) and the IAM
 * source's "in use by" lookup (iam/usage.ts) read them alike. Gateway load balancers have no TLS
 * listeners; DescribeListeners names only a listener's default certificate, so the SNI ones come
 * from DescribeListenerCertificates.
 */
import {
  DescribeListenerCertificatesCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  type ElasticLoadBalancingV2Client,
  type Listener,
  type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';

export const ELB_PAGE = 400;

/** Every application and network load balancer (those with an ARN). */
export const loadBalancers = async (elb: ElasticLoadBalancingV2Client): Promise<LoadBalancer[]> => {
  const out: LoadBalancer[] = [];
  let marker: string | undefined;
  do {
    const page = await elb.send(new DescribeLoadBalancersCommand({ Marker: marker, PageSize: ELB_PAGE }));
    for (const lb of page.LoadBalancers ?? []) if (lb.LoadBalancerArn && lb.Type !== 'gateway') out.push(lb);
    marker = page.NextMarker;
  } while (marker);
  return out;
};

/** The load balancer's HTTPS and TLS listeners. */
export const secureListeners = async (
  elb: ElasticLoadBalancingV2Client,
  lbArn: string,
): Promise<Listener[]> => {
  const out: Listener[] = [];
  let marker: string | undefined;
  do {
    const page = await elb.send(
      new DescribeListenersCommand({ LoadBalancerArn: lbArn, Marker: marker, PageSize: ELB_PAGE }),
    );
    for (const l of page.Listeners ?? [])
      if (l.ListenerArn && (l.Protocol === 'HTTPS' || l.Protocol === 'TLS')) out.push(l);
    marker = page.NextMarker;
  } while (marker);
  return out;
};

/** The listener's default certificate (from DescribeListeners) and its SNI certificate list. */
export const listenerCertificates = async (
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
