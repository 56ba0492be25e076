/**
 * The demo's Secrets Manager section: a tagged secret holding a certificate chain plus its private
 * key (the leaf expiring in 12 days) and a tagged secret holding a password; then what the source
 * produces: the CLI's table and the events the inventory puts on the bus through the lifecycle,
 * and a check that the private key appears in none of it. `showStoredSource` is shared with the
 * Parameter Store section (demo-ssm.ts).
 */
import { randomUUID } from 'node:crypto';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { toTable } from '../bin/cli/scan';
import { DEFAULT_THRESHOLDS } from '../lambda/core/evaluate';
import { runScan } from '../lambda/core/scan';
import { buildSources } from '../lambda/sources/registry';
import { createChain, daysFrom } from '../test/support/certs';
import { keyMaterialIn } from '../test/support/key-material';
import { MOTO_ACCOUNT, type Moto } from '../test/support/moto';
import { runSourceOnMoto } from '../test/support/source-on-moto';
import { indent, sayBusEvents } from './demo-shared';

const REGION = 'eu-west-1';

/** `secret:tls/x-AbCdEf`, `parameter/certs/x#certificate`: the ARN without what every row shares. */
const short = (text: string) => text.replace(/arn:aws:[a-z]+:[a-z0-9-]+:\d+:/g, '');

/** The CLI's table, then inventory → lifecycle → bus, for one stored-value source; then the key check. */
export async function showStoredSource(
  moto: Moto,
  say: (s?: string) => void,
  o: { readonly kind: 'secrets' | 'ssm'; readonly region: string; readonly keyPem: string },
): Promise<void> {
  const sources = () =>
    buildSources([{ kind: o.kind, regions: [o.region] }], { clientOverrides: (r) => moto.clientConfig(r) });
  const cli = await runScan(
    sources().flatMap((s) => s.scopes(MOTO_ACCOUNT).map((scope) => s.reader(scope))),
    { scanId: randomUUID(), now: new Date(), thresholds: DEFAULT_THRESHOLDS },
  );
  const table = toTable(cli);
  say(`  cert-watch scan ${o.kind} --regions ${o.region}:`);
  say(indent(short(table)));

  const run = await runSourceOnMoto(moto, {
    region: o.region,
    name: `demo-${o.kind}`,
    sources: sources(),
    events: cli.counts.total - cli.counts.ok + 1,
    timeoutMs: 3_000,
  });
  sayBusEvents(say, run.received, (c) => `${c.domain} at ${short(c.id)}`);
  const items = await run.tableItems();
  const found = keyMaterialIn(JSON.stringify({ table, run, items }), o.keyPem);
  say(
    found.length === 0
      ? `  the private key stored beside the chain appears in no table row, event, log line or state item (${items.length} state item(s) checked).`
      : `  PRIVATE KEY MATERIAL FOUND: ${found.join(', ')}`,
  );
}

export async function demoSecrets(moto: Moto, say: (s?: string) => void): Promise<void> {
  const now = new Date();
  const chain = await createChain({
    now,
    // An hour over, so the table still says 12 whole days when the scan runs a moment later.
    leaf: {
      commonName: 'payments.example.com',
      notBefore: daysFrom(now, -353),
      notAfter: daysFrom(now, 12 + 1 / 24),
    },
  });
  const sm = new SecretsManagerClient(moto.clientConfig(REGION));
  const tags = [{ Key: 'cert-watch:watch', Value: 'true' }];
  await sm.send(
    new CreateSecretCommand({
      Name: 'tls/payments',
      SecretString: chain.leaf.keyPem + chain.leaf.certPem + chain.intermediate.certPem,
      Tags: tags,
    }),
  );
  await sm.send(
    new CreateSecretCommand({
      Name: 'db/payments',
      SecretString: JSON.stringify({ username: 'payments', password: 'not-a-certificate' }),
      Tags: tags,
    }),
  );
  say(
    `Secrets Manager (${REGION}, opt-in, selected by the tag cert-watch:watch=true): "tls/payments" holds a`,
  );
  say(
    'private key, the leaf payments.example.com (12 days left) and its intermediate; "db/payments" holds a password.',
  );
  await showStoredSource(moto, say, { kind: 'secrets', region: REGION, keyPem: chain.leaf.keyPem });
}
