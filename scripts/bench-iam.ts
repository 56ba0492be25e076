/**
 * IAM benchmark: 2,000 IAM server certificates through the real IAM source, SDK clients
 * (serialization, XML parsing, retry middleware) and scan engine, with IAM, CloudFront and ELB
 * answered in-process at the HTTP layer by fakes that page like the services (moto ignores
 * MaxItems/Marker). 2 % of the certificates are inside the warning window; their bodies are real
 * generated certificates. The usage estate: 60 CloudFront distributions, and in each of 2 regions
 * 20 ALBs (one HTTP and one HTTPS listener each) and 10 classic load balancers.
 */
import { Readable } from 'node:stream';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { ElasticLoadBalancingClient } from '@aws-sdk/client-elastic-load-balancing';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient } from '@aws-sdk/client-iam';
import { HttpResponse } from '@smithy/core/transport';
import { DEFAULT_THRESHOLDS } from '../lambda/core/evaluate';
import { runScan } from '../lambda/core/scan';
import { type IamClients, IamSource } from '../lambda/sources/iam/iam-source';
import { createChain, daysFrom } from '../test/support/certs';

const ACCOUNT = '111122223333';
const REGIONS = ['eu-west-1', 'us-east-1'];
const DISTRIBUTIONS = 60;
const ALBS_PER_REGION = 20;
const CLASSIC_PER_REGION = 10;

const xml = (body: string) => ({
  response: new HttpResponse({
    statusCode: 200,
    headers: { 'content-type': 'text/xml' },
    body: Readable.from([Buffer.from(body)]),
  }),
});

const formOf = (body: unknown): URLSearchParams =>
  new URLSearchParams(
    typeof body === 'string'
      ? body
      : body instanceof Uint8Array
        ? Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')
        : '',
  );

const members = (items: readonly string[]) => items.map((i) => `<member>${i}</member>`).join('');
const query = (action: string, result: string) =>
  `<${action}Response><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></${action}Response>`;

export async function benchIam(total = 2_000): Promise<Record<string, number>> {
  const now = new Date();
  const name = (i: number) => `cert-${String(i).padStart(5, '0')}`;
  const arn = (i: number) => `arn:aws:iam::${ACCOUNT}:server-certificate/web/${name(i)}`;
  const days = (i: number) => (i % 50 === 0 ? 3 + (i % 20) : 60 + (i % 300));
  // Real bodies for the reported ones (the only ones GetServerCertificate is asked for).
  const bodies = new Map<string, { leaf: string; chain: string }>();
  for (let i = 0; i < total; i += 50) {
    const c = await createChain({
      now,
      leaf: {
        commonName: `${name(i)}.example.com`,
        notBefore: daysFrom(now, -300),
        notAfter: daysFrom(now, days(i)),
      },
    });
    bodies.set(name(i), { leaf: c.leaf.certPem, chain: c.intermediate.certPem });
  }
  const metadata = (i: number) =>
    `<ServerCertificateName>${name(i)}</ServerCertificateName><Path>/web/</Path><Arn>${arn(i)}</Arn>` +
    `<ServerCertificateId>ASCA${i}</ServerCertificateId><UploadDate>${daysFrom(now, -300).toISOString()}</UploadDate>` +
    `<Expiration>${daysFrom(now, days(i)).toISOString()}</Expiration>`;

  const calls: Record<string, number> = {};
  const count = (op: string) => {
    calls[op] = (calls[op] ?? 0) + 1;
  };
  const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
  type Request = { body?: unknown; path?: string; query?: Record<string, string | string[] | null> };

  const iamHandler = {
    handle: async (request: Request) => {
      const form = formOf(request.body);
      const action = form.get('Action') ?? '';
      count(`iam:${action}`);
      if (action === 'ListServerCertificates') {
        const start = Number(form.get('Marker') ?? 0);
        const end = Math.min(total, start + Number(form.get('MaxItems') ?? 100));
        const page = Array.from({ length: end - start }, (_, k) => metadata(start + k));
        return xml(
          query(
            action,
            `<IsTruncated>${end < total}</IsTruncated>${end < total ? `<Marker>${end}</Marker>` : ''}` +
              `<ServerCertificateMetadataList>${members(page)}</ServerCertificateMetadataList>`,
          ),
        );
      }
      const n = form.get('ServerCertificateName') ?? '';
      const i = Number(n.slice('cert-'.length));
      const b = bodies.get(n);
      return xml(
        query(
          action,
          `<ServerCertificate><ServerCertificateMetadata>${metadata(i)}</ServerCertificateMetadata>` +
            `<CertificateBody>${b?.leaf ?? ''}</CertificateBody><CertificateChain>${b?.chain ?? ''}</CertificateChain></ServerCertificate>`,
        ),
      );
    },
  };

  const cloudFrontHandler = {
    handle: async (request: Request) => {
      count('cloudfront:ListDistributions');
      const start = Number(request.query?.Marker ?? 0);
      const end = Math.min(DISTRIBUTIONS, start + Number(request.query?.MaxItems ?? 100));
      const items = Array.from({ length: end - start }, (_, k) => {
        const d = start + k;
        // Every third distribution serves a reported IAM certificate.
        const viewer = d % 3 === 0 ? `<IAMCertificateId>ASCA${(d * 50) % total}</IAMCertificateId>` : '';
        return `<DistributionSummary><Id>E${d}</Id><ARN>arn:aws:cloudfront::${ACCOUNT}:distribution/E${d}</ARN><ViewerCertificate>${viewer}</ViewerCertificate></DistributionSummary>`;
      }).join('');
      return xml(
        `<DistributionList><Marker>${start}</Marker><MaxItems>100</MaxItems><IsTruncated>${end < DISTRIBUTIONS}</IsTruncated>` +
          `${end < DISTRIBUTIONS ? `<NextMarker>${end}</NextMarker>` : ''}<Quantity>${end - start}</Quantity><Items>${items}</Items></DistributionList>`,
      );
    },
  };

  const elbv2Handler = (region: string) => ({
    handle: async (request: Request) => {
      const form = formOf(request.body);
      const action = form.get('Action') ?? '';
      count(`elasticloadbalancing:${action}`);
      const lbArn = (n: number) =>
        `arn:aws:elasticloadbalancing:${region}:${ACCOUNT}:loadbalancer/app/alb${n}/0`;
      if (action === 'DescribeLoadBalancers') {
        const lbs = Array.from(
          { length: ALBS_PER_REGION },
          (_, n) => `<LoadBalancerArn>${lbArn(n)}</LoadBalancerArn><Type>application</Type>`,
        );
        return xml(query(action, `<LoadBalancers>${members(lbs)}</LoadBalancers>`));
      }
      if (action === 'DescribeListeners') {
        const lb = form.get('LoadBalancerArn') ?? '';
        const listeners = [
          `<ListenerArn>${lb.replace(':loadbalancer/', ':listener/')}/80</ListenerArn><Protocol>HTTP</Protocol>`,
          `<ListenerArn>${lb.replace(':loadbalancer/', ':listener/')}/443</ListenerArn><Protocol>HTTPS</Protocol>`,
        ];
        return xml(query(action, `<Listeners>${members(listeners)}</Listeners>`));
      }
      const n = Number(/alb(\d+)/.exec(form.get('ListenerArn') ?? '')?.[1] ?? 0);
      const certs = [`<CertificateArn>${arn((n * 100) % total)}</CertificateArn><IsDefault>true</IsDefault>`];
      return xml(query(action, `<Certificates>${members(certs)}</Certificates>`));
    },
  });

  const elbHandler = {
    handle: async (request: Request) => {
      const action = formOf(request.body).get('Action') ?? '';
      count(`elasticloadbalancing:${action} (classic)`);
      const lbs = Array.from(
        { length: CLASSIC_PER_REGION },
        (_, n) =>
          `<LoadBalancerName>classic${n}</LoadBalancerName><ListenerDescriptions><member><Listener><Protocol>HTTPS</Protocol>` +
          `<LoadBalancerPort>443</LoadBalancerPort><InstancePort>80</InstancePort><SSLCertificateId>${arn(n * 150)}</SSLCertificateId></Listener></member></ListenerDescriptions>`,
      );
      return xml(query(action, `<LoadBalancerDescriptions>${members(lbs)}</LoadBalancerDescriptions>`));
    },
  };

  const clients: IamClients = {
    iam: () => new IAMClient({ region: 'us-east-1', credentials, requestHandler: iamHandler }),
    usage: async () => ({
      cloudFront: () =>
        new CloudFrontClient({ region: 'us-east-1', credentials, requestHandler: cloudFrontHandler }),
      elbv2: (region) =>
        new ElasticLoadBalancingV2Client({ region, credentials, requestHandler: elbv2Handler(region) }),
      elb: (region) => new ElasticLoadBalancingClient({ region, credentials, requestHandler: elbHandler }),
    }),
  };
  const source = new IamSource({ usageRegions: REGIONS }, () => clients);
  global.gc?.();
  const t0 = performance.now();
  const result = await runScan(
    source.scopes(ACCOUNT).map((s) => source.reader(s)),
    { scanId: 'bench', now, thresholds: DEFAULT_THRESHOLDS },
  );
  const wallMs = performance.now() - t0;
  const reported = result.certificates.filter((c) => c.evaluation.severity !== 'ok');
  return {
    certificates: result.counts.total,
    reported: reported.length,
    reportedInUse: reported.filter((c) => c.record.inUse).length,
    itemErrors: result.itemErrors.length,
    ...calls,
    wallMs,
    heapUsedMb: process.memoryUsage().heapUsed / 2 ** 20,
  };
}
