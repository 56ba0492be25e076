/**
 * Discovery benchmark: 2,000 HTTPS listeners (500 Application Load Balancers with 4 HTTPS listeners
 * each, a default and an SNI certificate on every listener) in one region and 500 CloudFront
 * distributions with 2 aliases each, through the real discovery adapters, SDK clients and probe
 * queue sink, with ELBv2, CloudFront and ACM answered in-process at the HTTP layer by fakes that
 * page like the services. It counts calls by API and sends the batches to a counting sender.
 * The modelled time adds each call's typical latency in rounds of the adapters' concurrency (4
 * load balancers at a time per region, 8 certificate reads), as scripts/bench-fake-aws.ts does.
 */
import type { Scope } from '../lambda/core/ports';
import { defaultDiscoveryClients } from '../lambda/sources/discovery/clients';
import { DiscoverySource } from '../lambda/sources/discovery/discovery-source';
import { probeQueueSink } from '../lambda/sources/discovery/probe-queue-sink';
import { httpResponse, readBody } from './bench-fake-aws';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const LISTENERS_PER_LB = 4;
/** Distinct ACM certificates the listeners and distributions use. */
const CERTIFICATES = 400;
/** Typical in-region round trips, ms (not measured; the other benches use the same figures). */
const LATENCY_MS = { elb: 50, cloudfront: 100, acm: 50 } as const;

type Request = {
  body?: unknown;
  path?: string;
  query?: Record<string, string | string[] | null>;
  headers?: Record<string, string>;
};
const text = readBody;
const respond = (body: string, type: string) => httpResponse(200, body, type);
const members = (items: readonly string[]) => items.map((i) => `<member>${i}</member>`).join('');
const query = (action: string, result: string) =>
  `<${action}Response><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></${action}Response>`;
const certArn = (n: number) => `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/c${n % CERTIFICATES}`;
const cfCertArn = (n: number) => `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/c${n % CERTIFICATES}`;

export async function benchDiscovery(
  listeners = 2_000,
  distributions = 500,
): Promise<Record<string, number>> {
  const balancers = Math.ceil(listeners / LISTENERS_PER_LB);
  const calls: Record<string, number> = {};
  const count = (op: string) => {
    calls[op] = (calls[op] ?? 0) + 1;
  };
  const elbv2 = {
    handle: async (r: Request) => {
      const form = new URLSearchParams(text(r.body));
      const action = form.get('Action') ?? '';
      count(`elasticloadbalancing:${action}`);
      const start = Number(form.get('Marker') ?? 0);
      if (action === 'DescribeLoadBalancers') {
        const end = Math.min(balancers, start + Number(form.get('PageSize') ?? 400));
        const lbs = Array.from({ length: end - start }, (_, k) => {
          const n = start + k;
          return `<LoadBalancerArn>arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/alb${n}/0</LoadBalancerArn><DNSName>alb${n}.${REGION}.elb.amazonaws.com</DNSName><Type>application</Type><Scheme>internet-facing</Scheme>`;
        });
        return respond(
          query(
            action,
            `<LoadBalancers>${members(lbs)}</LoadBalancers>${end < balancers ? `<NextMarker>${end}</NextMarker>` : ''}`,
          ),
          'text/xml',
        );
      }
      if (action === 'DescribeListeners') {
        const lb = form.get('LoadBalancerArn') ?? '';
        const n = Number(/alb(\d+)/.exec(lb)?.[1] ?? 0);
        const ls = Array.from(
          { length: LISTENERS_PER_LB },
          (_, k) =>
            `<ListenerArn>${lb.replace(':loadbalancer/', ':listener/')}/${k}</ListenerArn><Port>${443 + k}</Port><Protocol>HTTPS</Protocol><Certificates><member><CertificateArn>${certArn(n * LISTENERS_PER_LB + k)}</CertificateArn></member></Certificates>`,
        );
        return respond(query(action, `<Listeners>${members(ls)}</Listeners>`), 'text/xml');
      }
      const listener = form.get('ListenerArn') ?? '';
      const n =
        Number(/alb(\d+)/.exec(listener)?.[1] ?? 0) * LISTENERS_PER_LB + Number(listener.split('/').pop());
      const certs = [
        `<CertificateArn>${certArn(n)}</CertificateArn><IsDefault>true</IsDefault>`,
        `<CertificateArn>${certArn(n + 1)}</CertificateArn><IsDefault>false</IsDefault>`,
      ];
      return respond(query(action, `<Certificates>${members(certs)}</Certificates>`), 'text/xml');
    },
  };
  const cloudFront = {
    handle: async (r: Request) => {
      count('cloudfront:ListDistributions');
      const start = Number(r.query?.Marker ?? 0);
      const end = Math.min(distributions, start + Number(r.query?.MaxItems ?? 100));
      const items = Array.from({ length: end - start }, (_, k) => {
        const d = start + k;
        return (
          `<DistributionSummary><Id>E${d}</Id><ARN>arn:aws:cloudfront::${ACCOUNT}:distribution/E${d}</ARN><DomainName>d${d}.cloudfront.net</DomainName><Enabled>true</Enabled>` +
          `<Aliases><Quantity>2</Quantity><Items><CNAME>www${d}.example.com</CNAME><CNAME>cdn${d}.example.com</CNAME></Items></Aliases>` +
          `<ViewerCertificate><ACMCertificateArn>${cfCertArn(d)}</ACMCertificateArn><CloudFrontDefaultCertificate>false</CloudFrontDefaultCertificate></ViewerCertificate></DistributionSummary>`
        );
      }).join('');
      return respond(
        `<DistributionList><Marker>${start}</Marker><MaxItems>100</MaxItems><IsTruncated>${end < distributions}</IsTruncated>` +
          `${end < distributions ? `<NextMarker>${end}</NextMarker>` : ''}<Quantity>${end - start}</Quantity><Items>${items}</Items></DistributionList>`,
        'text/xml',
      );
    },
  };
  const acm = {
    handle: async (r: Request) => {
      count('acm:DescribeCertificate');
      const { CertificateArn: arn } = JSON.parse(text(r.body)) as { CertificateArn: string };
      const n = arn.split('/c').pop();
      const names = [`www${n}.example.com`, `cdn${n}.example.com`, `*.svc${n}.example.com`];
      return respond(
        JSON.stringify({
          Certificate: {
            CertificateArn: arn,
            SubjectAlternativeNames: names,
            Serial: '0a:1b',
            NotAfter: 1_900_000_000,
            ImportedAt: 1_700_000_000,
          },
        }),
        'application/x-amz-json-1.1',
      );
    },
  };
  const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
  const clients = defaultDiscoveryClients((region) => ({ credentials, region }));
  // The real clients, each with its fake at the HTTP layer.
  const { ElasticLoadBalancingV2Client } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const { CloudFrontClient } = await import('@aws-sdk/client-cloudfront');
  const { ACMClient } = await import('@aws-sdk/client-acm');
  const fakeClients = {
    ...clients,
    elbv2: (region: string) =>
      new ElasticLoadBalancingV2Client({ region, credentials, requestHandler: elbv2 }),
    cloudFront: () => new CloudFrontClient({ region: 'us-east-1', credentials, requestHandler: cloudFront }),
    acm: (region: string) => new ACMClient({ region, credentials, requestHandler: acm }),
  };
  let messages = 0;
  let targets = 0;
  const sink = probeQueueSink({
    sender: {
      send: async (bodies) => {
        messages += bodies.length;
        for (const b of bodies) targets += (JSON.parse(b) as { targets: unknown[] }).targets.length;
        return { sent: bodies.length };
      },
    },
    batchSize: 25,
    trackedScopes: async () => [],
  });
  const source = new DiscoverySource({
    regions: [REGION],
    kinds: ['elbv2', 'cloudfront'],
    clients: fakeClients,
    sink,
  });
  const scopes: readonly Scope[] = source.scopes(ACCOUNT);
  global.gc?.();
  const t0 = performance.now();
  await Promise.all(
    scopes.map(async (s) => {
      for await (const _ of source.reader(s).list()) void _;
    }),
  );
  const wallMs = performance.now() - t0;
  const elbCalls = Object.entries(calls)
    .filter(([k]) => k.startsWith('elasticloadbalancing:'))
    .reduce((a, [, v]) => a + v, 0);
  // Rounds: the listener and certificate-list reads run 4 load balancers at a time; certificate reads 8 at a time.
  const modelledMs =
    (elbCalls / 4) * LATENCY_MS.elb +
    (calls['cloudfront:ListDistributions'] ?? 0) * LATENCY_MS.cloudfront +
    ((calls['acm:DescribeCertificate'] ?? 0) / 8) * LATENCY_MS.acm;
  return {
    listeners: balancers * LISTENERS_PER_LB,
    distributions,
    endpointsProbed: targets,
    probeMessages: messages,
    ...calls,
    wallMs,
    modelledAwsSeconds: modelledMs / 1000,
    heapUsedMb: process.memoryUsage().heapUsed / 2 ** 20,
  };
}
