import {
  ACMClient,
  DescribeCertificateCommand,
  ListCertificatesCommand,
  ListTagsForCertificateCommand,
} from '@aws-sdk/client-acm';
import { APIGatewayClient, GetDomainNamesCommand } from '@aws-sdk/client-api-gateway';
import {
  ApiGatewayV2Client,
  GetDomainNamesCommand as GetDomainNamesV2Command,
} from '@aws-sdk/client-apigatewayv2';
import { CloudFrontClient, ListDistributionsCommand } from '@aws-sdk/client-cloudfront';
import {
  DescribeLoadBalancersCommand as DescribeClassicCommand,
  ElasticLoadBalancingClient,
} from '@aws-sdk/client-elastic-load-balancing';
import {
  DescribeListenerCertificatesCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  GetServerCertificateCommand,
  IAMClient,
  ListServerCertificatesCommand,
  ListServerCertificateTagsCommand,
} from '@aws-sdk/client-iam';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { isDiscoveredTarget } from '../../lambda/contracts/discovery';
import type { Scope } from '../../lambda/core/ports';
import { defaultDiscoveryClients } from '../../lambda/sources/discovery/clients';
import { discoverScope } from '../../lambda/sources/discovery/discover';
import { DiscoverySource } from '../../lambda/sources/discovery/discovery-source';
import { nameCovers, probeNamesOf } from '../../lambda/sources/discovery/names';
import { createCertificate, daysFrom, type GeneratedCert } from '../support/certs';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const NOW = new Date('2026-06-15T12:00:00.000Z');
const regional: Scope = {
  key: `discovery#${ACCOUNT}#${REGION}`,
  kind: 'discovery',
  account: ACCOUNT,
  region: REGION,
  label: REGION,
};
const global: Scope = { key: `discovery#${ACCOUNT}`, kind: 'discovery', account: ACCOUNT, label: ACCOUNT };
const clients = () =>
  defaultDiscoveryClients(() => ({ credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } }));
const acmArn = (n: string) => `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/${n}`;
const iamArn = (n: string) => `arn:aws:iam::${ACCOUNT}:server-certificate/${n}`;

const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const elb = mockClient(ElasticLoadBalancingClient);
const cf = mockClient(CloudFrontClient);
const apigw = mockClient(APIGatewayClient);
const apigw2 = mockClient(ApiGatewayV2Client);
const acm = mockClient(ACMClient);
const iam = mockClient(IAMClient);
const sm = mockClient(SecretsManagerClient);

beforeEach(() => {
  for (const m of [elbv2, elb, cf, apigw, apigw2, acm, iam, sm]) m.reset();
  acm.on(DescribeCertificateCommand).callsFake(({ CertificateArn }) => {
    const names: Record<string, string[]> = {
      [acmArn('a')]: ['a.example.com'],
      [acmArn('b')]: ['*.b.example.com'],
      [acmArn('c')]: ['*.c.example.com', 'c.example.com'],
      [acmArn('d')]: ['d1.example.com', '*.d.example.com', 'd2.example.com'],
    };
    return {
      Certificate: {
        CertificateArn,
        SubjectAlternativeNames: names[CertificateArn] ?? ['x.example.com'],
        Serial: '0a:1b',
        NotAfter: daysFrom(NOW, 30),
        ImportedAt: daysFrom(NOW, -10),
      },
    };
  });
});

describe('SNI names of a certificate', () => {
  it('probes a wildcard with the certificate’s first plain name, else a synthetic label it covers', () => {
    expect(probeNamesOf(['*.c.example.com', 'c.example.com'])).toEqual(['c.example.com']);
    expect(probeNamesOf(['*.b.example.com'])).toEqual(['cert-watch-probe.b.example.com']);
    expect(probeNamesOf(['A.example.com.', '10.0.0.1', 'a.example.com'])).toEqual(['a.example.com']);
  });
  it('a wildcard covers one left-most label only (RFC 6125 §6.4.3)', () => {
    expect(nameCovers('*.example.com', 'www.example.com')).toBe(true);
    expect(nameCovers('*.example.com', 'a.b.example.com')).toBe(false);
    expect(nameCovers('*.example.com', 'example.com')).toBe(false);
  });
});

describe('ELBv2 discovery', () => {
  beforeEach(() => {
    elbv2
      .on(DescribeLoadBalancersCommand, { Marker: undefined })
      .resolves({
        LoadBalancers: [
          {
            LoadBalancerArn: 'arn:lb/app/web',
            DNSName: 'web-1.eu-west-1.elb.amazonaws.com',
            Type: 'application',
            Scheme: 'internet-facing',
          },
          { LoadBalancerArn: 'arn:lb/gwy/g', DNSName: 'g.elb.amazonaws.com', Type: 'gateway' },
        ],
        NextMarker: 'p2',
      })
      .on(DescribeLoadBalancersCommand, { Marker: 'p2' })
      .resolves({
        LoadBalancers: [
          {
            LoadBalancerArn: 'arn:lb/net/in',
            DNSName: 'in.elb.amazonaws.com',
            Type: 'network',
            Scheme: 'internal',
          },
        ],
      });
    elbv2.on(DescribeListenersCommand, { LoadBalancerArn: 'arn:lb/app/web' }).resolves({
      Listeners: [
        {
          ListenerArn: 'arn:listener/web/443',
          Port: 443,
          Protocol: 'HTTPS',
          Certificates: [{ CertificateArn: acmArn('a') }],
        },
        { ListenerArn: 'arn:listener/web/80', Port: 80, Protocol: 'HTTP' },
      ],
    });
    elbv2.on(DescribeListenersCommand, { LoadBalancerArn: 'arn:lb/net/in' }).resolves({
      Listeners: [
        {
          ListenerArn: 'arn:listener/in/8443',
          Port: 8443,
          Protocol: 'TLS',
          Certificates: [{ CertificateArn: acmArn('a') }],
        },
      ],
    });
    elbv2
      .on(DescribeListenerCertificatesCommand, { ListenerArn: 'arn:listener/web/443', Marker: undefined })
      .resolves({
        Certificates: [{ CertificateArn: acmArn('a'), IsDefault: true }, { CertificateArn: acmArn('b') }],
        NextMarker: 'c2',
      })
      .on(DescribeListenerCertificatesCommand, { ListenerArn: 'arn:listener/web/443', Marker: 'c2' })
      .resolves({ Certificates: [{ CertificateArn: acmArn('c') }] })
      .on(DescribeListenerCertificatesCommand, { ListenerArn: 'arn:listener/in/8443' })
      .resolves({ Certificates: [] });
  });

  it('finds every HTTPS/TLS listener certificate, default and SNI, over every page, one endpoint per name', async () => {
    const found = await discoverScope({ clients: clients(), partition: 'aws', kinds: ['elbv2'] }, regional);
    const web = found.endpoints.filter((e) => e.host === 'web-1.eu-west-1.elb.amazonaws.com');
    expect(web.map((e) => [e.port, e.servername, e.certificateIds])).toEqual([
      [443, 'a.example.com', [acmArn('a')]],
      [443, 'c.example.com', [acmArn('c')]],
      [443, 'cert-watch-probe.b.example.com', [acmArn('b')]],
    ]);
    expect(web.every((e) => e.source === 'elbv2' && e.resource === 'arn:listener/web/443')).toBe(true);
    expect(found.endpoints.some((e) => e.host === 'g.elb.amazonaws.com')).toBe(false);
    const a = found.targets.find((t) => t.servername === 'a.example.com' && t.port === 443)!;
    expect(a.expected.configured).toEqual([
      {
        id: acmArn('a'),
        serialNumber: '0A1B',
        notAfter: daysFrom(NOW, 30).toISOString(),
        storedAt: daysFrom(NOW, -10).toISOString(),
      },
    ]);
    expect(a.expected.successors).toEqual([]);
    expect(a.scope).toBe(
      `discovery#${ACCOUNT}#${REGION}@web-1.eu-west-1.elb.amazonaws.com:443/a.example.com`,
    );
    expect(isDiscoveredTarget(a)).toBe(true);
  });

  it('skips an internal load balancer without a prober VPC, saying so once, and probes it with one', async () => {
    const without = await discoverScope({ clients: clients(), partition: 'aws', kinds: ['elbv2'] }, regional);
    expect(without.skipped.map((t) => `${t.host}:${t.port}`)).toEqual(['in.elb.amazonaws.com:8443']);
    expect(without.targets.some((t) => t.host === 'in.elb.amazonaws.com')).toBe(false);
    expect(without.itemErrors).toEqual([
      expect.objectContaining({ item: 'arn:listener/in/8443', code: 'INTERNAL_NOT_PROBED' }),
    ]);
    const within = await discoverScope(
      { clients: clients(), partition: 'aws', kinds: ['elbv2'], internalReachable: true },
      regional,
    );
    expect(within.targets.some((t) => t.host === 'in.elb.amazonaws.com')).toBe(true);
  });

  it('one load balancer whose listeners cannot be read is an item error and stops retirement, not the scope', async () => {
    elbv2
      .on(DescribeListenersCommand, { LoadBalancerArn: 'arn:lb/net/in' })
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    const found = await discoverScope({ clients: clients(), partition: 'aws', kinds: ['elbv2'] }, regional);
    expect(found.partial).toBe(true);
    expect(found.itemErrors).toContainEqual(
      expect.objectContaining({ item: 'arn:lb/net/in', code: 'AccessDenied' }),
    );
    expect(found.endpoints.length).toBe(3);
  });
});

describe('classic ELB, CloudFront and API Gateway discovery', () => {
  it('classic HTTPS/SSL listeners at the load balancer’s DNS name', async () => {
    elb.on(DescribeClassicCommand).resolves({
      LoadBalancerDescriptions: [
        {
          LoadBalancerName: 'old',
          DNSName: 'old-1.eu-west-1.elb.amazonaws.com',
          Scheme: 'internet-facing',
          ListenerDescriptions: [
            {
              Listener: {
                Protocol: 'HTTPS',
                LoadBalancerPort: 443,
                InstancePort: 80,
                InstanceProtocol: 'HTTP',
                SSLCertificateId: acmArn('a'),
              },
            },
            {
              Listener: {
                Protocol: 'HTTP',
                LoadBalancerPort: 80,
                InstancePort: 80,
                InstanceProtocol: 'HTTP',
              },
            },
          ],
        },
      ],
    });
    const found = await discoverScope({ clients: clients(), partition: 'aws', kinds: ['elb'] }, regional);
    expect(found.endpoints).toEqual([
      expect.objectContaining({
        host: 'old-1.eu-west-1.elb.amazonaws.com',
        port: 443,
        servername: 'a.example.com',
        source: 'elb',
        resource: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/old`,
      }),
    ]);
  });

  it('CloudFront (aws-sdk-client-mock: moto omits aliases and viewer certificates): each alias at the distribution’s domain, IAM certificates by id with their successor', async () => {
    const [oldCert, newCert, other] = await Promise.all([
      createCertificate({
        commonName: 'shop.example.com',
        dnsNames: ['shop.example.com'],
        notBefore: daysFrom(NOW, -300),
        notAfter: daysFrom(NOW, 5),
      }),
      createCertificate({
        commonName: 'shop.example.com',
        dnsNames: ['shop.example.com', 'www.example.com'],
        notBefore: daysFrom(NOW, -1),
        notAfter: daysFrom(NOW, 90),
      }),
      createCertificate({
        commonName: 'other.example.com',
        notBefore: daysFrom(NOW, -1),
        notAfter: daysFrom(NOW, 200),
      }),
    ]);
    const bodies: Record<string, GeneratedCert> = { old: oldCert, new: newCert, other };
    iam.on(ListServerCertificatesCommand).resolves({
      ServerCertificateMetadataList: Object.keys(bodies).map((n) => ({
        Path: '/',
        ServerCertificateName: n,
        ServerCertificateId: `ASCA${n.toUpperCase()}`,
        Arn: iamArn(n),
        UploadDate: daysFrom(NOW, n === 'old' ? -300 : -1),
      })),
    });
    iam.on(GetServerCertificateCommand).callsFake(({ ServerCertificateName }) => ({
      ServerCertificate: {
        ServerCertificateMetadata: {
          Path: '/',
          ServerCertificateName,
          ServerCertificateId: 'x',
          Arn: iamArn(ServerCertificateName),
        },
        CertificateBody: bodies[ServerCertificateName]!.certPem,
      },
    }));
    cf.on(ListDistributionsCommand, { Marker: undefined })
      .resolves({
        DistributionList: {
          Marker: '',
          MaxItems: 100,
          Quantity: 1,
          IsTruncated: true,
          NextMarker: 'd2',
          Items: [
            {
              ARN: 'arn:aws:cloudfront::111122223333:distribution/E1',
              DomainName: 'd111.cloudfront.net',
              Enabled: true,
              Aliases: { Quantity: 1, Items: ['shop.example.com'] },
              ViewerCertificate: { IAMCertificateId: 'ASCAOLD' },
            } as never,
          ],
        },
      })
      .on(ListDistributionsCommand, { Marker: 'd2' })
      .resolves({
        DistributionList: {
          Marker: 'd2',
          MaxItems: 100,
          Quantity: 1,
          IsTruncated: false,
          Items: [
            {
              ARN: 'arn:d/E2',
              DomainName: 'd222.cloudfront.net',
              Enabled: true,
              Aliases: { Quantity: 0 },
              ViewerCertificate: { CloudFrontDefaultCertificate: true },
            } as never,
          ],
        },
      });
    const found = await discoverScope(
      { clients: clients(), partition: 'aws', kinds: ['cloudfront'] },
      global,
    );
    expect(found.endpoints).toEqual([
      expect.objectContaining({
        host: 'd111.cloudfront.net',
        port: 443,
        servername: 'shop.example.com',
        certificateIds: [iamArn('old')],
      }),
    ]);
    const [t] = found.targets;
    expect(t!.expected.configured[0]).toMatchObject({
      id: iamArn('old'),
      notAfter: daysFrom(NOW, 5).toISOString(),
    });
    expect(t!.expected.successors).toEqual([
      expect.objectContaining({
        id: iamArn('new'),
        replaces: iamArn('old'),
        notAfter: daysFrom(NOW, 90).toISOString(),
      }),
    ]);
  });

  it('API Gateway REST (regional and edge) and HTTP domain names at their target domains, one endpoint each', async () => {
    apigw.on(GetDomainNamesCommand).resolves({
      items: [
        {
          domainName: 'api.example.com',
          regionalDomainName: 'd-abc.execute-api.eu-west-1.amazonaws.com',
          regionalCertificateArn: acmArn('a'),
        },
        {
          domainName: 'edge.example.com',
          distributionDomainName: 'd333.cloudfront.net',
          certificateArn: acmArn('e'),
        },
      ],
    });
    apigw2.on(GetDomainNamesV2Command).resolves({
      Items: [
        {
          DomainName: 'api.example.com',
          DomainNameConfigurations: [
            {
              ApiGatewayDomainName: 'd-abc.execute-api.eu-west-1.amazonaws.com',
              CertificateArn: acmArn('a'),
            },
          ],
        },
      ],
    });
    const found = await discoverScope(
      { clients: clients(), partition: 'aws', kinds: ['apigateway'] },
      regional,
    );
    expect(found.endpoints.map((e) => `${e.host}/${e.servername}`)).toEqual([
      'd-abc.execute-api.eu-west-1.amazonaws.com/api.example.com',
      'd333.cloudfront.net/edge.example.com',
    ]);
    expect(found.endpoints[0]!.resource).toBe(`arn:aws:apigateway:${REGION}::/domainnames/api.example.com`);
  });
});

describe('tagged certificates', () => {
  it('ACM, secrets and IAM tags give host[:port] endpoints; a bad entry is an item error naming the tag', async () => {
    acm.on(ListCertificatesCommand).resolves({
      CertificateSummaryList: [{ CertificateArn: acmArn('a') }, { CertificateArn: acmArn('z') }],
    });
    acm.on(ListTagsForCertificateCommand, { CertificateArn: acmArn('a') }).resolves({
      Tags: [{ Key: 'cert-watch:endpoints', Value: 'mail.example.com:25 web.example.com, bad_host:99999' }],
    });
    acm.on(ListTagsForCertificateCommand, { CertificateArn: acmArn('z') }).resolves({ Tags: [] });
    sm.on(ListSecretsCommand).resolves({
      SecretList: [
        {
          ARN: 'arn:secret:s',
          LastChangedDate: daysFrom(NOW, -2),
          Tags: [{ Key: 'cert-watch:endpoints', Value: '10.0.0.5:8443' }],
        },
      ],
    });
    const found = await discoverScope({ clients: clients(), partition: 'aws', kinds: ['tag'] }, regional);
    expect(found.endpoints.map((e) => `${e.host}:${e.port}/${e.servername}`)).toEqual([
      'mail.example.com:25/mail.example.com',
      'web.example.com:443/web.example.com',
    ]);
    // A tagged IP address needs a name from the certificate: the secret's is not read (no GetSecretValue).
    expect(found.itemErrors).toContainEqual(
      expect.objectContaining({ item: `cert-watch:endpoints on ${acmArn('a')}`, code: 'INVALID_TAG_ENTRY' }),
    );
    const mail = found.targets.find((t) => t.port === 25)!;
    expect(mail.starttls).toBeUndefined(); // a tagged host may speak STARTTLS: the port decides
    iam.on(ListServerCertificatesCommand).resolves({
      ServerCertificateMetadataList: [
        {
          Path: '/',
          ServerCertificateName: 'n',
          ServerCertificateId: 'ID',
          Arn: iamArn('n'),
          UploadDate: NOW,
        },
      ],
    });
    iam
      .on(ListServerCertificateTagsCommand)
      .resolves({ Tags: [{ Key: 'cert-watch:endpoints', Value: 'legacy.example.com:8443' }] });
    const g = await discoverScope({ clients: clients(), partition: 'aws', kinds: ['tag'] }, global);
    expect(g.endpoints.map((e) => `${e.host}:${e.port}/${e.servername}`)).toEqual([
      'legacy.example.com:8443/legacy.example.com',
    ]);
  });
  it("probes a tagged IP address with each of the certificate's names (as a listener's), not without SNI", async () => {
    acm.on(ListCertificatesCommand).resolves({ CertificateSummaryList: [{ CertificateArn: acmArn('d') }] });
    acm
      .on(ListTagsForCertificateCommand)
      .resolves({ Tags: [{ Key: 'cert-watch:endpoints', Value: '10.0.0.7' }] });
    const found = await discoverScope({ clients: clients(), partition: 'aws', kinds: ['tag'] }, regional);
    expect(found.endpoints.map((e) => `${e.host}:${e.port}/${e.servername}`)).toEqual([
      '10.0.0.7:443/d1.example.com',
      '10.0.0.7:443/d2.example.com',
    ]);
  });
});

describe('the discovery source', () => {
  it('has a scope per region and one global scope per account, and its reader lists no records but hands endpoints to its sink', async () => {
    const delivered: string[] = [];
    const source = new DiscoverySource({
      regions: [REGION, 'us-west-2'],
      clients: clients(),
      kinds: ['apigateway'],
      sink: {
        deliver: async (scope, found) => {
          delivered.push(`${scope.key}:${found.targets.length}`);
          return { batches: 1, retired: 0 };
        },
      },
    });
    expect(source.scopes(ACCOUNT).map((s) => s.key)).toEqual([
      `discovery#${ACCOUNT}#${REGION}`,
      `discovery#${ACCOUNT}#us-west-2`,
    ]);
    apigw.on(GetDomainNamesCommand).resolves({
      items: [
        {
          domainName: 'api.example.com',
          regionalDomainName: 'd.example',
          regionalCertificateArn: acmArn('a'),
        },
      ],
    });
    apigw2.on(GetDomainNamesV2Command).resolves({ Items: [] });
    const records = [];
    for await (const r of source.reader(source.scopes(ACCOUNT)[0]!).list()) records.push(r);
    expect(records).toEqual([]);
    expect(delivered).toEqual([`discovery#${ACCOUNT}#${REGION}:1`]);
    expect(
      new DiscoverySource({ regions: [REGION], clients: clients() }).scopes(ACCOUNT).map((s) => s.key),
    ).toEqual([`discovery#${ACCOUNT}#${REGION}`, `discovery#${ACCOUNT}`]);
  });
});

describe('ACM serial numbers', () => {
  it('writes whole bytes in upper-case hex, as Node writes a served certificate serial', async () => {
    const { acmSerialOf } = await import('../../lambda/sources/discovery/catalog');
    // 0x01338C..: an odd number of hex digits once converted from moto's decimal form.
    const value = 0x01338cd794032fc1027fec83c6fa2259n;
    expect(acmSerialOf(value.toString(10))).toBe('01338CD794032FC1027FEC83C6FA2259');
    expect(acmSerialOf('01:33:8c:d7')).toBe('01338CD7');
    expect(acmSerialOf('ab:0c')).toBe('AB0C');
    expect(acmSerialOf('  ')).toBeUndefined();
  });
});
