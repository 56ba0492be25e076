/**
 * A discovery estate on moto for tests: ACM-imported certificates (real generated chains) for
 * `<name>.example.test`, one local TLS server choosing each by SNI, an Application Load Balancer
 * whose HTTPS listener (on the local server's port, so a resolver alone maps the load balancer to
 * it) has the first certificate as default and the second as SNI certificate, and the certificates
 * named in `tagged` tagged `cert-watch:endpoints` = `<name>.example.test:<port>`.
 */
import { ACMClient, AddTagsToCertificateCommand, ImportCertificateCommand } from '@aws-sdk/client-acm';
import {
  AddListenerCertificatesCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { createChain, daysFrom, type GeneratedChain } from './certs';
import type { Moto } from './moto';
import { pemChain, type RunningServer, startTlsServer } from './tls-servers';

export interface DiscoveryEstate {
  readonly chains: Record<string, GeneratedChain>;
  readonly arns: Record<string, string>;
  readonly server: RunningServer;
  /** The load balancer's DNS name, lower case. */
  readonly lbDns: string;
  readonly listenerArn: string;
  /** Every test root, PEM: the prober's CA bundle. */
  readonly caPem: string;
}

/**
 * The default subnets moto creates per region (EC2 through its query API: no EC2 client is
 * installed), of the default account or of the account `accessKeyId` belongs to (moto reads the
 * account from the access key; an assumed role's key is its account's).
 */
export const defaultSubnets = async (
  moto: Moto,
  region: string,
  accessKeyId = 'testing',
): Promise<string[]> => {
  const res = await fetch(`${moto.endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20260101/${region}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: 'Action=DescribeSubnets&Version=2016-11-15',
  });
  return [...(await res.text()).matchAll(/<subnetId>([^<]+)<\/subnetId>/g)].map((m) => m[1] ?? '');
};

/** A generated chain for `name` (valid from 300 days before `now` to `notAfter`) imported into ACM. */
export const importLeaf = async (
  acm: ACMClient,
  name: string,
  now: Date,
  notAfter: Date,
): Promise<{ chain: GeneratedChain; arn: string }> => {
  const chain = await createChain({
    now,
    leaf: { commonName: name, dnsNames: [name], notBefore: daysFrom(now, -300), notAfter },
  });
  const out = await acm.send(
    new ImportCertificateCommand({
      Certificate: Buffer.from(chain.leaf.certPem),
      CertificateChain: Buffer.from(chain.intermediate.certPem),
      PrivateKey: Buffer.from(chain.leaf.keyPem),
    }),
  );
  return { chain, arn: out.CertificateArn ?? '' };
};

export const seedDiscoveryEstate = async (
  moto: Moto,
  o: {
    region: string;
    now: Date;
    /** Days left per certificate name; the first two are the listener's default and SNI certificates. */
    names: Readonly<Record<string, number>>;
    tagged?: readonly string[];
  },
): Promise<DiscoveryEstate> => {
  const acm = new ACMClient(moto.clientConfig(o.region));
  const chains: Record<string, GeneratedChain> = {};
  const arns: Record<string, string> = {};
  for (const [name, days] of Object.entries(o.names)) {
    const imported = await importLeaf(acm, `${name}.example.test`, o.now, daysFrom(o.now, days));
    chains[name] = imported.chain;
    arns[name] = imported.arn;
  }
  const serve = (c: GeneratedChain) => ({
    key: c.leaf.keyPem,
    cert: pemChain(c.leaf.certPem, c.intermediate.certPem),
  });
  const [first, second] = Object.keys(o.names);
  const server = await startTlsServer({
    ...serve(chains[first!]!),
    sni: Object.fromEntries(Object.entries(chains).map(([n, c]) => [`${n}.example.test`, serve(c)])),
  });
  for (const name of o.tagged ?? [])
    await acm.send(
      new AddTagsToCertificateCommand({
        CertificateArn: arns[name],
        Tags: [{ Key: 'cert-watch:endpoints', Value: `${name}.example.test:${server.port}` }],
      }),
    );
  const elbv2 = new ElasticLoadBalancingV2Client(moto.clientConfig(o.region));
  const lb = await elbv2.send(
    new CreateLoadBalancerCommand({
      Name: 'web',
      Subnets: (await defaultSubnets(moto, o.region)).slice(0, 2),
    }),
  );
  const listener = await elbv2.send(
    new CreateListenerCommand({
      LoadBalancerArn: lb.LoadBalancers?.[0]?.LoadBalancerArn,
      Protocol: 'HTTPS',
      Port: server.port,
      Certificates: [{ CertificateArn: arns[first!] }],
      DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200' } }],
    }),
  );
  const listenerArn = listener.Listeners?.[0]?.ListenerArn ?? '';
  if (second)
    await elbv2.send(
      new AddListenerCertificatesCommand({
        ListenerArn: listenerArn,
        Certificates: [{ CertificateArn: arns[second] }],
      }),
    );
  return {
    chains,
    arns,
    server,
    lbDns: (lb.LoadBalancers?.[0]?.DNSName ?? '').toLowerCase(),
    listenerArn,
    caPem: pemChain(...Object.values(chains).map((c) => c.root.certPem)),
  };
};
