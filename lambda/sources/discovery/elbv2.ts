/**
 * Application and Network Load Balancers (not gateway ones: no TLS listeners): every HTTPS or TLS
 * listener and every certificate on it, the default and the SNI ones (DescribeListenerCertificates:
 * DescribeListeners names the default alone). One attachment per (listener, certificate), at the
 * load balancer's DNS name and the listener's port. Pages: 400 load balancers or listeners.
 */
import { errorCode, errorMessage, mapLimit } from '../../core/scan';
import { listenerCertificates, loadBalancers, secureListeners } from '../elbv2-listeners';
import { type Attachment, DESCRIBE_CONCURRENCY, type KindReader } from './types';

export const discoverElbv2: KindReader = async (ctx) => {
  if (!ctx.region) return [];
  const elb = ctx.clients.elbv2(ctx.region);
  const found: Attachment[] = [];
  // Probed at the load balancer's DNS name and the listener's port: both are always listed.
  const balancers = (await loadBalancers(elb)).filter((lb) => lb.DNSName);
  await mapLimit(balancers, DESCRIBE_CONCURRENCY, async (lb) => {
    try {
      const listeners = (await secureListeners(elb, lb.LoadBalancerArn!)).filter((l) => l.Port);
      for (const listener of listeners)
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
