import { X509Certificate } from 'node:crypto';
import { Readable } from 'node:stream';
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
  type ServerCertificateMetadata,
} from '@aws-sdk/client-iam';
import { HttpResponse } from '@smithy/core/transport';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidSourceSettingError } from '../../lambda/contracts/sources';
import { DEFAULT_THRESHOLDS } from '../../lambda/core/evaluate';
import { runScan, type ScanResult } from '../../lambda/core/scan';
import {
  CHAIN_EXPIRES_FIRST,
  defaultIamClients,
  IAM_PAGE_SIZE,
  type IamClients,
  IamScopeReader,
  IamSource,
  iamScope,
  iamSourceOptions,
} from '../../lambda/sources/iam/iam-source';
import { buildSources } from '../../lambda/sources/registry';
import { createChain, DAY_MS, daysFrom, type GeneratedChain } from '../support/certs';

const ACCOUNT = '111122223333';
const NOW = new Date('2026-06-15T12:00:00.000Z');
const ARN = (name: string) => `arn:aws:iam::${ACCOUNT}:server-certificate/web/${name}`;
const idOf = (name: string) => `ASCA${name.toUpperCase().replace(/[^A-Z0-9]/g, '')}`;

const meta = (name: string, daysLeft: number): ServerCertificateMetadata => ({
  ServerCertificateName: name,
  ServerCertificateId: idOf(name),
  Path: '/web/',
  Arn: ARN(name),
  UploadDate: new Date(NOW.getTime() - 100 * DAY_MS),
  Expiration: new Date(NOW.getTime() + daysLeft * DAY_MS),
});

let iamMock = mockClient(IAMClient);
let cfMock = mockClient(CloudFrontClient);
let elbv2Mock = mockClient(ElasticLoadBalancingV2Client);
let elbMock = mockClient(ElasticLoadBalancingClient);
beforeEach(() => {
  iamMock = mockClient(IAMClient);
  cfMock = mockClient(CloudFrontClient);
  elbv2Mock = mockClient(ElasticLoadBalancingV2Client);
  elbMock = mockClient(ElasticLoadBalancingClient);
  cfMock
    .on(ListDistributionsCommand)
    .resolves({ DistributionList: { Items: [], IsTruncated: false } } as never);
  elbv2Mock.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
  elbMock.on(DescribeClassicCommand).resolves({ LoadBalancerDescriptions: [] });
});
afterEach(() => {
  iamMock.restore();
  cfMock.restore();
  elbv2Mock.restore();
  elbMock.restore();
});

/** A fake IAM that pages like the real one: Marker, MaxItems and IsTruncated honoured. */
const pagedIam = (all: ServerCertificateMetadata[]) => {
  iamMock.on(ListServerCertificatesCommand).callsFake((input: { Marker?: string; MaxItems?: number }) => {
    const start = input.Marker ? Number(input.Marker) : 0;
    const end = start + (input.MaxItems ?? 100);
    return {
      ServerCertificateMetadataList: all.slice(start, end),
      IsTruncated: end < all.length,
      Marker: end < all.length ? String(end) : undefined,
    };
  });
};

/** GetServerCertificate answers with these bodies, by name; the metadata says Expiration 2012 (as moto does). */
const bodies = (byName: Record<string, { body: string; chain?: string }>) => {
  iamMock.on(GetServerCertificateCommand).callsFake((input: { ServerCertificateName: string }) => {
    const b = byName[input.ServerCertificateName];
    if (!b)
      throw Object.assign(new Error(`cert ${input.ServerCertificateName} not found`), {
        name: 'NoSuchEntity',
      });
    return {
      ServerCertificate: {
        ServerCertificateMetadata: {
          ...meta(input.ServerCertificateName, 0),
          Expiration: new Date('2012-05-08T01:02:03.004Z'),
        },
        CertificateBody: b.body,
        CertificateChain: b.chain,
      },
    };
  });
};

const scan = (reader = new IamSource().reader(iamScope(ACCOUNT))): Promise<ScanResult> =>
  runScan([reader], { scanId: 's1', now: NOW, thresholds: DEFAULT_THRESHOLDS });

const chainOf = (days: number, intermediateDays = 1825): Promise<GeneratedChain> =>
  createChain({
    now: NOW,
    leaf: {
      commonName: `web${days}.example.com`,
      dnsNames: [`web${days}.example.com`, `www.web${days}.example.com`],
      notBefore: daysFrom(NOW, -80),
      notAfter: daysFrom(NOW, days),
    },
    intermediate: { notAfter: daysFrom(NOW, intermediateDays) },
  });

let soon: GeneratedChain;
let chainFirst: GeneratedChain;
beforeAll(async () => {
  soon = await chainOf(5);
  chainFirst = await chainOf(20, 3);
});

describe('IamScopeReader.list', () => {
  it('reads 2,500 certificates over 3 pages of 1,000 and reads no body', async () => {
    pagedIam(Array.from({ length: 2500 }, (_, i) => meta(`c${i}`, 100 + i)));
    const ids: string[] = [];
    for await (const r of new IamSource().reader(iamScope(ACCOUNT)).list()) ids.push(r.id);

    expect(ids).toHaveLength(2500);
    expect(new Set(ids).size).toBe(2500);
    const calls = iamMock.commandCalls(ListServerCertificatesCommand);
    expect(calls.map((c) => c.args[0].input.Marker)).toEqual([undefined, '1000', '2000']);
    for (const c of calls) expect(c.args[0].input.MaxItems).toBe(IAM_PAGE_SIZE);
    expect(iamMock.commandCalls(GetServerCertificateCommand)).toHaveLength(0);
  });

  it('maps the metadata: global (no region), IMPORTED, Expiration as notAfter, the name until the body is read', async () => {
    pagedIam([meta('shop', 40)]);
    const out = [];
    for await (const r of new IamSource().reader(iamScope(ACCOUNT)).list()) out.push(r);
    expect(out).toEqual([
      {
        source: 'iam',
        id: ARN('shop'),
        account: ACCOUNT,
        domain: 'shop',
        sans: [],
        notAfter: new Date(NOW.getTime() + 40 * DAY_MS),
        type: 'IMPORTED',
      },
    ]);
    expect(iamScope(ACCOUNT)).toEqual({
      key: `iam#${ACCOUNT}`,
      kind: 'iam',
      account: ACCOUNT,
      label: ACCOUNT,
    });
  });

  it('reports a certificate listed without Expiration and still lists it', async () => {
    pagedIam([{ ...meta('odd', 0), Expiration: undefined }, meta('fine', 300)]);
    const result = await scan();
    expect(result.certificates.map((c) => c.record.id).sort()).toEqual([ARN('fine'), ARN('odd')]);
    expect(result.itemErrors).toEqual([expect.objectContaining({ item: ARN('odd'), code: 'NO_EXPIRATION' })]);
    expect(result.scopesScanned).toHaveLength(1);
  });

  it('fails the scope (and only it) when IAM refuses the listing', async () => {
    iamMock.on(ListServerCertificatesCommand).rejects(
      Object.assign(new Error('not authorized to perform iam:ListServerCertificates'), {
        name: 'AccessDenied',
      }),
    );
    const result = await scan();
    expect(result.scopesFailed).toEqual([
      {
        scope: iamScope(ACCOUNT),
        code: 'AccessDenied',
        message: 'not authorized to perform iam:ListServerCertificates',
      },
    ]);
  });
});

describe('scan over IAM: the body, the chain and the users only for reported certificates', () => {
  it('reads GetServerCertificate only for reported certificates; the body wins over the metadata', async () => {
    pagedIam([meta('quiet', 200), { ...meta('soon', 5), Expiration: new Date('2012-05-08T01:02:03Z') }]);
    bodies({ soon: { body: soon.leaf.certPem, chain: soon.intermediate.certPem } });
    const result = await scan();

    expect(iamMock.commandCalls(GetServerCertificateCommand).map((c) => c.args[0].input)).toEqual([
      { ServerCertificateName: 'soon' },
    ]);
    const reported = result.certificates.find((c) => c.record.id === ARN('soon'));
    expect(reported?.record).toMatchObject({
      source: 'iam',
      account: ACCOUNT,
      domain: 'web5.example.com',
      sans: ['web5.example.com', 'www.web5.example.com'],
      fingerprintSha256: new X509Certificate(soon.leaf.certPem).fingerprint256,
      issuer: 'CN=Test Intermediate CA',
      type: 'IMPORTED',
      notBefore: soon.leaf.spec.notBefore,
      notAfter: soon.leaf.spec.notAfter,
    });
    expect(reported?.record.region).toBeUndefined();
    expect(reported?.record.status).toBeUndefined();
    expect(reported?.evaluation).toMatchObject({
      severity: 'critical',
      daysRemaining: 5,
      renewsAutomatically: false,
    });
    expect(result.itemErrors).toEqual([]);
  });

  it('names a chain certificate that expires before the leaf, keeping the leaf notAfter', async () => {
    pagedIam([meta('chained', 20)]);
    bodies({ chained: { body: chainFirst.leaf.certPem, chain: chainFirst.intermediate.certPem } });
    const [c] = (await scan()).certificates;
    expect(c?.record.notAfter).toEqual(chainFirst.leaf.spec.notAfter);
    expect(c?.record.status).toBe(CHAIN_EXPIRES_FIRST);
    expect(c?.record.renewalReason).toContain('"CN=Test Intermediate CA" expires');
    expect(c?.record.renewalReason).toContain(daysFrom(NOW, 3).toISOString().slice(0, 10));
    expect(c?.evaluation.severity).toBe('warning');
  });

  it('reports a body that holds no certificate (and never echoes a key), keeping the listing record', async () => {
    pagedIam([meta('broken', 2), meta('soon', 5)]);
    bodies({ broken: { body: soon.leaf.keyPem }, soon: { body: soon.leaf.certPem } });
    const result = await scan();
    expect(result.certificates).toHaveLength(2);
    expect(result.itemErrors).toEqual([
      {
        scope: `iam#${ACCOUNT}`,
        item: ARN('broken'),
        code: 'NOT_A_CERTIFICATE',
        message: expect.any(String),
      },
    ]);
    const keyBody = soon.leaf.keyPem.split('\n').slice(1, -2).join('');
    const everything = JSON.stringify(result);
    expect(everything).not.toContain('PRIVATE KEY');
    expect(everything).not.toContain(keyBody.slice(0, 40));
  });

  it('reports a chain block that does not parse on <arn>#chain and still reads the certificate', async () => {
    pagedIam([meta('soon', 5)]);
    bodies({
      soon: {
        body: soon.leaf.certPem,
        chain: '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n',
      },
    });
    const result = await scan();
    expect(result.certificates[0]?.record.fingerprintSha256).toBe(
      new X509Certificate(soon.leaf.certPem).fingerprint256,
    );
    expect(result.itemErrors).toEqual([
      expect.objectContaining({ item: `${ARN('soon')}#chain`, code: 'MALFORMED_CERTIFICATE' }),
    ]);
  });

  it('keeps the listing record when GetServerCertificate fails (the certificate is still reported)', async () => {
    pagedIam([meta('gone', 3)]);
    bodies({});
    const result = await scan();
    expect(result.certificates[0]?.record).toMatchObject({ domain: 'gone', type: 'IMPORTED' });
    expect(result.certificates[0]?.evaluation.severity).toBe('critical');
    expect(result.scopesFailed).toEqual([]);
  });
});

describe('where a reported IAM certificate is used', () => {
  const listener = (lb: string, n: number) =>
    `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:listener/app/${lb}/0123/${n}`;
  const lbArn = (lb: string) =>
    `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:loadbalancer/app/${lb}/0123`;

  const estate = () => {
    pagedIam([meta('soon', 5), meta('chained', 20), meta('quiet', 300)]);
    bodies({
      soon: { body: soon.leaf.certPem },
      chained: { body: chainFirst.leaf.certPem, chain: chainFirst.intermediate.certPem },
    });
    // Two pages of distributions: one serves 'soon' by its IAM certificate id, one serves ACM.
    cfMock.on(ListDistributionsCommand).callsFake((input: { Marker?: string }) =>
      input.Marker
        ? {
            DistributionList: {
              IsTruncated: false,
              Items: [
                {
                  Id: 'E2',
                  ARN: `arn:aws:cloudfront::${ACCOUNT}:distribution/E2`,
                  ViewerCertificate: { ACMCertificateArn: 'arn:aws:acm:us-east-1:1:certificate/x' },
                },
              ],
            },
          }
        : {
            DistributionList: {
              IsTruncated: true,
              NextMarker: 'E1',
              Items: [
                {
                  Id: 'E1',
                  ARN: `arn:aws:cloudfront::${ACCOUNT}:distribution/E1`,
                  ViewerCertificate: { IAMCertificateId: idOf('soon') },
                },
              ],
            },
          },
    );
    elbv2Mock.on(DescribeLoadBalancersCommand).callsFake((input: { Marker?: string }) =>
      input.Marker
        ? { LoadBalancers: [{ LoadBalancerArn: lbArn('api'), Type: 'application' }] }
        : {
            LoadBalancers: [
              { LoadBalancerArn: lbArn('web'), Type: 'application' },
              { LoadBalancerArn: lbArn('gwy'), Type: 'gateway' },
            ],
            NextMarker: 'p2',
          },
    );
    elbv2Mock.on(DescribeListenersCommand).callsFake((input: { LoadBalancerArn: string }) => {
      const lb = input.LoadBalancerArn.includes('/web/') ? 'web' : 'api';
      return {
        Listeners: [
          { ListenerArn: listener(lb, 80), Protocol: 'HTTP' },
          { ListenerArn: listener(lb, 443), Protocol: 'HTTPS' },
        ],
      };
    });
    elbv2Mock.on(DescribeListenerCertificatesCommand).callsFake((input: { ListenerArn: string }) =>
      input.ListenerArn === listener('web', 443)
        ? { Certificates: [{ CertificateArn: ARN('soon'), IsDefault: true }] }
        : // 'chained' is an SNI certificate: only DescribeListenerCertificates names it.
          {
            Certificates: [
              { CertificateArn: 'arn:aws:acm:eu-west-1:1:certificate/y', IsDefault: true },
              { CertificateArn: ARN('chained') },
            ],
          },
    );
    elbMock.on(DescribeClassicCommand).resolves({
      LoadBalancerDescriptions: [
        {
          LoadBalancerName: 'legacy',
          ListenerDescriptions: [
            {
              Listener: {
                Protocol: 'HTTPS',
                LoadBalancerPort: 443,
                InstancePort: 80,
                SSLCertificateId: ARN('soon'),
              },
            },
          ],
        },
      ],
    });
  };

  const reader = () => new IamSource({ usageRegions: ['eu-west-1'] }).reader(iamScope(ACCOUNT));

  it('finds CloudFront distributions by certificate id and listeners by ARN, reading each listing once per scan', async () => {
    estate();
    const result = await scan(reader());
    const byId = new Map(result.certificates.map((c) => [c.record.id, c.record]));
    expect(byId.get(ARN('soon'))).toMatchObject({
      inUse: true,
      inUseBy: [
        `arn:aws:cloudfront::${ACCOUNT}:distribution/E1`,
        `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:listener/app/web/0123/443`,
        `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:loadbalancer/legacy`,
      ],
    });
    expect(byId.get(ARN('chained'))).toMatchObject({ inUse: true, inUseBy: [listener('api', 443)] });
    expect(byId.get(ARN('quiet'))?.inUseBy).toBeUndefined();
    // Two reported certificates, one usage read: 2 distribution pages, 2 load balancer pages.
    expect(cfMock.commandCalls(ListDistributionsCommand)).toHaveLength(2);
    expect(elbv2Mock.commandCalls(DescribeLoadBalancersCommand)).toHaveLength(2);
    expect(elbv2Mock.commandCalls(DescribeListenersCommand)).toHaveLength(2); // not the gateway
    expect(elbv2Mock.commandCalls(DescribeListenerCertificatesCommand)).toHaveLength(2); // HTTPS only
    expect(elbMock.commandCalls(DescribeClassicCommand)).toHaveLength(1);
    expect(result.itemErrors).toEqual([]);
  });

  it('a failed usage lookup is one item error; the certificate is kept and the other lookups still count', async () => {
    estate();
    cfMock.on(ListDistributionsCommand).rejects(
      Object.assign(new Error('not authorized to perform cloudfront:ListDistributions'), {
        name: 'AccessDenied',
      }),
    );
    const result = await scan(reader());
    expect(result.scopesFailed).toEqual([]);
    expect(result.itemErrors).toEqual([
      {
        scope: `iam#${ACCOUNT}`,
        item: 'CloudFront distributions',
        code: 'AccessDenied',
        message: expect.stringContaining('not authorized to perform cloudfront:ListDistributions'),
      },
    ]);
    const soonRecord = result.certificates.find((c) => c.record.id === ARN('soon'))?.record;
    expect(soonRecord?.inUseBy).toEqual([
      `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:listener/app/web/0123/443`,
      `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:loadbalancer/legacy`,
    ]);
    expect(result.counts.total).toBe(3);
  });

  it('says nothing about use when every lookup failed and nothing was found (unknown is not unused)', async () => {
    pagedIam([meta('soon', 5)]);
    bodies({ soon: { body: soon.leaf.certPem } });
    const denied = Object.assign(new Error('denied'), { name: 'AccessDenied' });
    cfMock.on(ListDistributionsCommand).rejects(denied);
    elbv2Mock.on(DescribeLoadBalancersCommand).rejects(denied);
    elbMock.on(DescribeClassicCommand).rejects(denied);
    const result = await scan(reader());
    expect(result.certificates[0]?.record.inUse).toBeUndefined();
    expect(result.itemErrors.map((e) => e.item)).toEqual([
      'CloudFront distributions',
      'ELBv2 listeners in eu-west-1',
      'classic load balancers in eu-west-1',
    ]);
  });

  it('reads no distribution or load balancer with lookUpUsage off, nor when nothing is reported', async () => {
    estate();
    await scan(new IamSource({ lookUpUsage: false }).reader(iamScope(ACCOUNT)));
    pagedIam([meta('quiet', 300)]);
    await scan(reader());
    expect(cfMock.commandCalls(ListDistributionsCommand)).toHaveLength(0);
    expect(elbv2Mock.commandCalls(DescribeLoadBalancersCommand)).toHaveLength(0);
    expect(elbMock.commandCalls(DescribeClassicCommand)).toHaveLength(0);
  });

  it('asks ELB in each usage region and CloudFront in the IAM region', async () => {
    pagedIam([meta('soon', 5)]);
    bodies({ soon: { body: soon.leaf.certPem } });
    const regions: string[] = [];
    const base = defaultIamClients('us-east-1');
    const usage = await base.usage();
    const clients: IamClients = {
      ...base,
      usage: async () => ({
        ...usage,
        elbv2: (r) => {
          regions.push(r);
          return usage.elbv2(r);
        },
      }),
    };
    await scan(new IamScopeReader(iamScope(ACCOUNT), clients, { usageRegions: ['eu-west-1', 'ap-south-2'] }));
    expect(regions.sort()).toEqual(['ap-south-2', 'eu-west-1']);
    expect(await usage.cloudFront().config.region()).toBe('us-east-1');
  });
});

describe('retries', () => {
  const xml = (status: number, body: string) => ({
    response: new HttpResponse({
      statusCode: status,
      headers: { 'content-type': 'text/xml' },
      body: Readable.from([Buffer.from(body)]),
    }),
  });
  const throttled = `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>`;
  const listed = `<ListServerCertificatesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListServerCertificatesResult><IsTruncated>false</IsTruncated><ServerCertificateMetadataList><member><ServerCertificateName>soon</ServerCertificateName><Path>/</Path><Arn>arn:aws:iam::${ACCOUNT}:server-certificate/soon</Arn><ServerCertificateId>ASCA1</ServerCertificateId><UploadDate>2026-01-01T00:00:00Z</UploadDate><Expiration>${daysFrom(NOW, 3).toISOString()}</Expiration></member></ServerCertificateMetadataList></ListServerCertificatesResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ListServerCertificatesResponse>`;

  it('retries a throttled ListServerCertificates with backoff and then lists (real SDK retry middleware)', async () => {
    // aws-sdk-client-mock replaces send() and skips retries, so this test fakes the HTTP layer instead.
    iamMock.restore();
    let calls = 0;
    const requestHandler = {
      handle: async () => (calls++ < 2 ? xml(400, throttled) : xml(200, listed)),
    };
    const base = defaultIamClients('us-east-1');
    const clients: IamClients = {
      ...base,
      iam: () =>
        new IAMClient({
          region: 'us-east-1',
          credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
          retryMode: 'adaptive',
          maxAttempts: 4,
          requestHandler,
        }),
    };
    const result = await scan(new IamScopeReader(iamScope(ACCOUNT), clients, { lookUpUsage: false }));
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(result.scopesFailed).toEqual([]);
    expect(result.certificates[0]?.record.notAfter).toEqual(daysFrom(NOW, 3));
  });
});

describe('options and registry', () => {
  it('takes CLI strings and construct JSON alike, and refuses bad values by name', () => {
    expect(iamSourceOptions({ usageRegions: 'eu-west-1, us-east-1', lookUpUsage: 'false' })).toEqual({
      usageRegions: ['eu-west-1', 'us-east-1'],
      lookUpUsage: false,
    });
    expect(iamSourceOptions({ usageRegions: ['eu-west-1'], region: 'cn-north-1', other: 'x' })).toEqual({
      usageRegions: ['eu-west-1'],
      region: 'cn-north-1',
    });
    expect(() => iamSourceOptions({ usageRegions: 'eu-wst1' })).toThrow(/usageRegions/);
    expect(() => iamSourceOptions({ lookUpUsage: 'maybe' })).toThrow(InvalidSourceSettingError);
  });

  it('is a global kind of the registry: one scope per account, clients in us-east-1', async () => {
    const [source] = buildSources([{ kind: 'iam' }]);
    expect(source?.scopes(ACCOUNT)).toEqual([iamScope(ACCOUNT)]);
    expect(() => buildSources([{ kind: 'iam', options: { region: 'nowhere' } }])).toThrow(/region/);
  });
});
