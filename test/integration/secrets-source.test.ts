/**
 * Secrets Manager end to end on the local AWS: real certificates (a chain plus its private key,
 * JSON with PEM fields, binary DER) and values that are not certificates stored in moto, the
 * inventory handler with the lifecycle state table in-process, events through a rule to SQS; then
 * `cert-watch scan secrets` with the shared JSON contract. No private key material anywhere.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSecretsClient, SecretsSource } from '../../lambda/sources/secrets/secrets-source';
import { MAX_STORED_VALUE_BYTES, storedValueOptions } from '../../lambda/sources/stored-value';
import type { ReceivedEvent } from '../support/bus-capture';
import { createChain, daysFrom, type GeneratedChain } from '../support/certs';
import { keyMaterialIn } from '../support/key-material';
import { MOTO_ACCOUNT, type Moto, startMoto } from '../support/moto';
import { assertValidEvent } from '../support/schemas';
import { runSourceOnMoto, type SourceRun, scanCliOnMoto } from '../support/source-on-moto';

const REGION = 'eu-west-1';
const NOW = new Date();
const TAG = { Key: 'cert-watch:watch', Value: 'true' };

let moto: Moto;
let vault: GeneratedChain;
let jsonChain: GeneratedChain;
let run: SourceRun;
let received: ReceivedEvent[];
const arns: Record<string, string> = {};

let cli: ReturnType<typeof scanCliOnMoto>;

beforeAll(async () => {
  moto = await startMoto();
  vault = await createChain({
    now: NOW,
    leaf: { commonName: 'vault.example.com', notBefore: daysFrom(NOW, -60), notAfter: daysFrom(NOW, 5) },
  });
  jsonChain = await createChain({
    now: NOW,
    leaf: { commonName: 'json.example.com', notBefore: daysFrom(NOW, -60), notAfter: daysFrom(NOW, 20) },
  });
  const sm = new SecretsManagerClient(moto.clientConfig(REGION));
  const put = async (
    name: string,
    value: { SecretString?: string; SecretBinary?: Uint8Array },
    tags = [TAG],
  ) => {
    arns[name] = (await sm.send(new CreateSecretCommand({ Name: name, Tags: tags, ...value }))).ARN ?? '';
  };
  await put('tls/vault', { SecretString: vault.leaf.keyPem + vault.chainPem }, [
    TAG,
    { Key: 'team', Value: 'payments' },
  ]);
  await put('tls/json', {
    SecretString: JSON.stringify({ certificate: jsonChain.leaf.certPem, privateKey: jsonChain.leaf.keyPem }),
  });
  await put('tls/binary', { SecretBinary: new Uint8Array(vault.root.cert.rawData) });
  await put('tls/password', { SecretString: JSON.stringify({ username: 'app', password: 'hunter2' }) });
  await put('tls/big', { SecretString: 'x'.repeat(MAX_STORED_VALUE_BYTES) });
  await put('tls/untagged', { SecretString: vault.leaf.certPem }, []);
  // moto's filters, like the service's, match the key and the value on different tags: re-checked.
  await put('tls/trap', { SecretString: vault.leaf.certPem }, [
    { Key: TAG.Key, Value: 'false' },
    { Key: 'other', Value: 'true' },
  ]);
  await put('tls/leaving', { SecretString: vault.leaf.certPem });
  await sm.send(new DeleteSecretCommand({ SecretId: 'tls/leaving', RecoveryWindowInDays: 7 }));

  run = await runSourceOnMoto(moto, {
    region: REGION,
    name: 'secrets-it',
    sources: [
      new SecretsSource([REGION], storedValueOptions('secrets'), (r) =>
        defaultSecretsClient(r, moto.clientConfig(r)),
      ),
    ],
    events: 3,
  });
  received = run.received;
  cli = scanCliOnMoto(moto, 'secrets');
});

afterAll(async () => moto?.stop());

const certificateEvents = () => received.filter((e) => e['detail-type'] !== 'Scan Completed');

describe('Secrets Manager inventory on the local AWS', () => {
  it('reports the tagged secrets whose certificates expire, at <ARN> and <ARN>#<jsonKey>, schema-valid', () => {
    for (const e of received) assertValidEvent(e['detail-type'], e.detail);
    const certs = certificateEvents().map((e) => e.detail.certificate as Record<string, unknown>);
    expect(certs.map((c) => [c.id, c.domain, c.source, c.type]).sort()).toEqual([
      [`${arns['tls/json']}#certificate`, 'json.example.com', 'secrets', 'IMPORTED'],
      [arns['tls/vault'], 'vault.example.com', 'secrets', 'IMPORTED'],
    ]);
    const vaultEvent = certs.find((c) => c.domain === 'vault.example.com');
    expect(vaultEvent).toMatchObject({
      region: REGION,
      account: MOTO_ACCOUNT,
      labels: { name: 'tls/vault' },
      // The secret's tags, for routing to its owner (docs/routing.md).
      tags: { [TAG.Key]: TAG.Value, team: 'payments' },
      notAfter: vault.leaf.cert.notAfter.toISOString(),
    });
    const heartbeat = received.find((e) => e['detail-type'] === 'Scan Completed');
    expect(heartbeat?.detail).toMatchObject({
      source: 'secrets',
      scopesScanned: [`secrets#${MOTO_ACCOUNT}#${REGION}`],
      scopesFailed: [],
      counts: { total: 4 },
    });
  });

  it('no private key material in any event, log line or state table item', async () => {
    const items = await run.tableItems();
    expect(items.length).toBeGreaterThan(0);
    const everything = JSON.stringify({ received, logs: run.logs, items });
    expect(everything).toContain('vault.example.com');
    for (const key of [vault.leaf.keyPem, jsonChain.leaf.keyPem])
      expect(keyMaterialIn(everything, key)).toEqual([]);
  });

  it('cert-watch scan secrets --json: the shared contract, per-secret errors, exit 2 for the critical one', async () => {
    const { code, out } = await cli(['--regions', REGION, '--json']);
    expect(code).toBe(2);
    const json = JSON.parse(out) as {
      certificates: Record<string, unknown>[];
      errors: { item?: string; code: string; message: string }[];
    };
    expect(json.certificates.map((c) => c.id)).toEqual([
      arns['tls/vault'],
      `${arns['tls/json']}#certificate`,
      `${arns['tls/vault']}#2`,
      arns['tls/binary'],
    ]);
    for (const c of json.certificates)
      expect(Object.keys(c)).toEqual(
        expect.arrayContaining(['source', 'id', 'region', 'domain', 'notAfter', 'daysRemaining', 'severity']),
      );
    expect(json.certificates[0]).toMatchObject({
      source: 'secrets',
      region: REGION,
      severity: 'critical',
      type: 'IMPORTED',
    });
    expect(Object.fromEntries(json.errors.map((e) => [e.item, e.code]))).toEqual({
      [arns['tls/password'] ?? '']: 'NOT_A_CERTIFICATE',
      [arns['tls/big'] ?? '']: 'NOT_A_CERTIFICATE',
      [arns['tls/leaving'] ?? '']: 'SECRET_SCHEDULED_FOR_DELETION',
    });
    expect(json.errors.find((e) => e.item === arns['tls/big'])?.message).toContain('(64 KiB)');
    expect(keyMaterialIn(out, vault.leaf.keyPem)).toEqual([]);
  });

  it('--option prefixes=tls/ selects by name instead: untagged secrets under the prefix are read too', async () => {
    const { out } = await cli(['--regions', REGION, '--json', '--option', 'prefixes=tls/']);
    const ids = (JSON.parse(out) as { certificates: { id: string }[] }).certificates.map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining([arns['tls/untagged'], arns['tls/trap']]));
  });
});
