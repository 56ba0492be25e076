/**
 * The demo's Private CA section: a root CA and a subordinate CA expiring in 60 days, created in
 * moto with CA certificates signed here (moto ignores requested validity), then what the source
 * produces: the CLI's table and the events the inventory puts on the bus through the lifecycle.
 */
import { randomUUID } from 'node:crypto';
import { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { toTable } from '../bin/cli/scan';
import { renderTable } from '../bin/cli/table';
import { DEFAULT_THRESHOLDS } from '../lambda/core/evaluate';
import { runScan } from '../lambda/core/scan';
import { buildSources } from '../lambda/sources/registry';
import { captureBus } from '../test/support/bus-capture';
import { daysFrom } from '../test/support/certs';
import { inventoryOnMoto } from '../test/support/inventory-on-moto';
import { MOTO_ACCOUNT, type Moto } from '../test/support/moto';
import { seedCa } from '../test/support/pca-seed';
import { stateTableInputFromTemplate, watcherEventPattern } from '../test/support/template';
import { indent } from './demo-shared';

const REGION = 'eu-west-1';
const BUS = 'demo-pca-bus';
const TABLE = 'demo-pca-state';

export async function demoPca(moto: Moto, say: (s?: string) => void): Promise<void> {
  const pca = new ACMPCAClient(moto.clientConfig(REGION));
  const now = new Date();
  const root = await seedCa(pca, {
    commonName: 'Demo Root CA',
    type: 'ROOT',
    notBefore: daysFrom(now, -1000),
    notAfter: daysFrom(now, 2650),
  });
  await seedCa(pca, {
    commonName: 'Demo Issuing CA',
    type: 'SUBORDINATE',
    notBefore: daysFrom(now, -1000),
    // An hour over, so the table still says 60 whole days when the scan runs a moment later.
    notAfter: daysFrom(now, 60 + 1 / 24),
    signer: root.signer,
  });
  say(`Private CA (${REGION}): a root CA (7 years left) and a subordinate CA expiring in 60 days`);
  say('CA tiers: 365/180/90/30 days, critical at 30 (a leaf would still be "ok" at 60 days).');

  const sources = () =>
    buildSources([{ kind: 'pca', regions: [REGION] }], { clientOverrides: (r) => moto.clientConfig(r) });
  const cli = await runScan(
    sources().flatMap((s) => s.scopes(MOTO_ACCOUNT).map((scope) => s.reader(scope))),
    { scanId: randomUUID(), now, thresholds: DEFAULT_THRESHOLDS },
  );
  say('  cert-watch scan pca:');
  say(indent(toTable(cli)));
  for (const c of cli.certificates.filter((x) => x.record.renewalReason))
    say(`  ${c.record.domain}: ${c.record.renewalReason}`);

  await new DynamoDBClient(moto.clientConfig(REGION)).send(
    new CreateTableCommand(stateTableInputFromTemplate(TABLE)),
  );
  const capture = await captureBus(moto.clientConfig(REGION), BUS, watcherEventPattern());
  await inventoryOnMoto(moto, {
    regions: [REGION],
    home: REGION,
    busName: BUS,
    stateTable: TABLE,
    sources: sources(),
  })({
    id: 'demo-pca-1',
  });
  const events = await capture.receive(2, 3_000);
  const rows = events.map((e) => {
    const d = e.detail as {
      certificate?: { domain: string; issuer?: string; labels?: Record<string, string> };
      evaluation?: { severity: string; daysRemaining: number | null; tierDays: number | null };
      lifecycle?: { transition: string };
      counts?: { total: number };
    };
    return d.certificate
      ? [
          e['detail-type'],
          d.lifecycle?.transition ?? '-',
          `${d.evaluation?.severity} ${d.evaluation?.daysRemaining}d (tier ${d.evaluation?.tierDays})`,
          `${d.certificate.domain} (${d.certificate.labels?.caType}, issuer ${d.certificate.issuer ?? '-'})`,
        ]
      : [e['detail-type'], '-', `${d.counts?.total} CA(s)`, 'heartbeat'];
  });
  say('  on the bus (inventory → lifecycle):');
  say(indent(renderTable(['DETAIL-TYPE', 'TRANSITION', 'VERDICT', 'CA'], rows, 70)));
  say(
    '  moto reports every CA in short-lived certificate mode (7-day issuance), so the 60-day CA shows no' +
      ' ISSUANCE_CAPPED here; on AWS a general-purpose CA with 60 days left also says its issued certificates are capped.',
  );
}
