/**
 * The demo's IAM section: a server certificate expiring in 10 days (uploaded with its chain and
 * private key, as IAM requires) served by a classic load balancer, beside a healthy one; then what
 * the source produces: the CLI's table and the events the inventory puts on the bus through the
 * lifecycle. moto lists every IAM certificate as expired in 2012; the dates shown come from the
 * certificate bodies the source reads for reported certificates.
 */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateLoadBalancerCommand,
  ElasticLoadBalancingClient,
} from '@aws-sdk/client-elastic-load-balancing';
import { IAMClient, UploadServerCertificateCommand } from '@aws-sdk/client-iam';
import { toTable } from '../bin/cli/scan';
import { DEFAULT_THRESHOLDS } from '../lambda/core/evaluate';
import { runScan } from '../lambda/core/scan';
import { buildSources } from '../lambda/sources/registry';
import { captureBus } from '../test/support/bus-capture';
import { createChain, daysFrom } from '../test/support/certs';
import { inventoryOnMoto } from '../test/support/inventory-on-moto';
import { MOTO_ACCOUNT, type Moto } from '../test/support/moto';
import { stateTableInputFromTemplate, watcherEventPattern } from '../test/support/template';
import { indent, sayBusEvents } from './demo-shared';

const HOME = 'us-east-1';
const LB_REGION = 'eu-west-1';
const BUS = 'demo-iam-bus';
const TABLE = 'demo-iam-state';

export async function demoIam(moto: Moto, say: (s?: string) => void): Promise<void> {
  const iam = new IAMClient(moto.clientConfig(HOME));
  const now = new Date();
  const upload = async (name: string, days: number) => {
    const chain = await createChain({
      now,
      // An hour over, so the table still says 10 whole days when the scan runs a moment later.
      leaf: { commonName: name, notBefore: daysFrom(now, -355), notAfter: daysFrom(now, days + 1 / 24) },
    });
    const out = await iam.send(
      new UploadServerCertificateCommand({
        ServerCertificateName: name.replace(/\./g, '-'),
        Path: '/cloudfront/',
        CertificateBody: chain.leaf.certPem,
        CertificateChain: chain.intermediate.certPem,
        PrivateKey: chain.leaf.keyPem,
      }),
    );
    return out.ServerCertificateMetadata?.Arn ?? '';
  };
  const expiring = await upload('legacy-shop.example.com', 10);
  await upload('static.example.com', 300);
  await new ElasticLoadBalancingClient(moto.clientConfig(LB_REGION)).send(
    new CreateLoadBalancerCommand({
      LoadBalancerName: 'legacy-shop',
      AvailabilityZones: [`${LB_REGION}a`],
      Listeners: [
        {
          Protocol: 'HTTPS',
          LoadBalancerPort: 443,
          InstanceProtocol: 'HTTP',
          InstancePort: 80,
          SSLCertificateId: expiring,
        },
      ],
    }),
  );
  say('IAM server certificates (global): legacy-shop.example.com expires in 10 days and is served by the');
  say(`classic load balancer "legacy-shop" in ${LB_REGION}; static.example.com has 300 days left.`);
  say(
    'moto lists both with Expiration 2012-05-08; the body read for reported certificates gives the real dates.',
  );

  const sources = () =>
    buildSources([{ kind: 'iam', options: { usageRegions: [LB_REGION] } }], {
      clientOverrides: (r) => moto.clientConfig(r),
    });
  const cli = await runScan(
    sources().flatMap((s) => s.scopes(MOTO_ACCOUNT).map((scope) => s.reader(scope))),
    { scanId: randomUUID(), now, thresholds: DEFAULT_THRESHOLDS },
  );
  say('  cert-watch scan iam --option usageRegions=eu-west-1:');
  say(indent(toTable(cli, 'scope')));
  for (const c of cli.certificates.filter((x) => x.record.inUseBy?.length))
    say(`  ${c.record.domain} is used by ${c.record.inUseBy?.join(', ')}`);

  await new DynamoDBClient(moto.clientConfig(HOME)).send(
    new CreateTableCommand(stateTableInputFromTemplate(TABLE)),
  );
  const capture = await captureBus(moto.clientConfig(HOME), BUS, watcherEventPattern());
  await inventoryOnMoto(moto, {
    regions: [],
    home: HOME,
    busName: BUS,
    stateTable: TABLE,
    sources: sources(),
  })({
    id: 'demo-iam-1',
  });
  const events = await capture.receive(2, 3_000);
  sayBusEvents(say, events, (c) => `${c.domain} (${c.type})`, {
    headers: ['IN USE BY'],
    cells: (d) => [d.certificate?.inUseBy?.join(', ') || '-'],
  });
}
