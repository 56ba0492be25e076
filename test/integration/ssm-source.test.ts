/**
 * Parameter Store end to end on the local AWS: real certificates in String, StringList,
 * SecureString and an 8 KiB advanced parameter, a chain plus its private key among them; the
 * inventory handler with the lifecycle state table in-process, events through a rule to SQS; then
 * `cert-watch scan ssm` with the shared JSON contract. No private key material anywhere. (A
 * parameter the role may not read needs IAM per resource, which moto does not evaluate:
 * test/unit/ssm-source.test.ts covers it.)
 */
import { PutParameterCommand, type PutParameterRequest, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSsmClient, SsmSource } from '../../lambda/sources/ssm/ssm-source';
import { storedValueOptions } from '../../lambda/sources/stored-value';
import type { ReceivedEvent } from '../support/bus-capture';
import { createCertificate, createChain, daysFrom, type GeneratedChain } from '../support/certs';
import { keyMaterialIn } from '../support/key-material';
import { MOTO_ACCOUNT, type Moto, startMoto } from '../support/moto';
import { assertValidEvent } from '../support/schemas';
import { runSourceOnMoto, type SourceRun, scanCliOnMoto } from '../support/source-on-moto';

const REGION = 'eu-central-1';
const NOW = new Date();
const TAG = { Key: 'cert-watch:watch', Value: 'true' };
const arnOf = (name: string) => `arn:aws:ssm:${REGION}:${MOTO_ACCOUNT}:parameter${name}`;

let moto: Moto;
let tls: GeneratedChain;
let apiPem: string;
let bundleCount: number;
let run: SourceRun;
let received: ReceivedEvent[];

let cli: ReturnType<typeof scanCliOnMoto>;

beforeAll(async () => {
  moto = await startMoto();
  tls = await createChain({
    now: NOW,
    leaf: { commonName: 'tls.example.com', notBefore: daysFrom(NOW, -60), notAfter: daysFrom(NOW, 5) },
  });
  apiPem = (
    await createCertificate({
      commonName: 'api.example.com',
      notBefore: daysFrom(NOW, -60),
      notAfter: daysFrom(NOW, 20),
      issuer: tls.intermediate,
    })
  ).certPem;
  const ssm = new SSMClient(moto.clientConfig(REGION));
  const put = (Name: string, Value: string, over: Partial<PutParameterRequest> = {}) =>
    ssm.send(new PutParameterCommand({ Name, Value, Type: 'String', Tags: [TAG], ...over }));
  await put('/certs/tls', tls.leaf.keyPem + tls.chainPem, { Type: 'SecureString' });
  await put('/certs/api', apiPem, { Tags: [TAG, { Key: 'team', Value: 'platform' }] });
  await put('/certs/pair', `${tls.root.certPem},${tls.intermediate.certPem}`, { Type: 'StringList' });
  bundleCount = Math.floor(8192 / tls.root.certPem.length);
  await put('/certs/advanced', tls.root.certPem.repeat(bundleCount).padEnd(8192), { Tier: 'Advanced' });
  await put('/certs/text', 'not a certificate');
  await put('/other/untagged', apiPem, { Tags: [] });

  run = await runSourceOnMoto(moto, {
    region: REGION,
    name: 'ssm-it',
    sources: [
      new SsmSource([REGION], storedValueOptions('ssm'), (r) => defaultSsmClient(r, moto.clientConfig(r))),
    ],
    events: 3,
  });
  received = run.received;
  cli = scanCliOnMoto(moto, 'ssm');
});

afterAll(async () => moto?.stop());

describe('Parameter Store inventory on the local AWS', () => {
  it('reports the tagged parameters whose certificates expire, SecureString decrypted, schema-valid', () => {
    for (const e of received) assertValidEvent(e['detail-type'], e.detail);
    const certs = received
      .filter((e) => e['detail-type'] !== 'Scan Completed')
      .map((e) => e.detail.certificate as Record<string, unknown>);
    expect(certs.map((c) => [c.id, c.domain, c.source, c.type]).sort()).toEqual([
      [arnOf('/certs/api'), 'api.example.com', 'ssm', 'IMPORTED'],
      [arnOf('/certs/tls'), 'tls.example.com', 'ssm', 'IMPORTED'],
    ]);
    // The parameter's tags, read for the reported one (DescribeParameters gives none), for routing.
    expect(certs.find((c) => c.domain === 'api.example.com')?.tags).toEqual({
      [TAG.Key]: TAG.Value,
      team: 'platform',
    });
    const heartbeat = received.find((e) => e['detail-type'] === 'Scan Completed');
    expect(heartbeat?.detail).toMatchObject({
      source: 'ssm',
      scopesScanned: [`ssm#${MOTO_ACCOUNT}#${REGION}`],
      scopesFailed: [],
      // tls: leaf + intermediate; api; pair: root + intermediate; advanced: the bundle.
      counts: { total: 5 + bundleCount },
    });
  });

  it('no private key material in any event, log line or state table item', async () => {
    const items = await run.tableItems();
    expect(items.length).toBeGreaterThan(0);
    const everything = JSON.stringify({ received, logs: run.logs, items });
    expect(everything).toContain('tls.example.com');
    expect(keyMaterialIn(everything, tls.leaf.keyPem)).toEqual([]);
  });

  it('cert-watch scan ssm --json: the shared contract, the per-parameter error, exit 2 for the critical one', async () => {
    const { code, out } = await cli(['--regions', REGION, '--json']);
    expect(code).toBe(2);
    const json = JSON.parse(out) as {
      certificates: { id: string; source: string; region: string; severity: string }[];
      errors: { item?: string; code: string }[];
    };
    expect(json.certificates.slice(0, 2).map((c) => [c.id, c.severity])).toEqual([
      [arnOf('/certs/tls'), 'critical'],
      [arnOf('/certs/api'), 'warning'],
    ]);
    expect(json.certificates.map((c) => c.id)).toEqual(
      expect.arrayContaining([`${arnOf('/certs/tls')}#2`, arnOf('/certs/pair'), `${arnOf('/certs/pair')}#2`]),
    );
    expect(json.certificates.every((c) => c.source === 'ssm' && c.region === REGION)).toBe(true);
    expect(json.errors).toEqual([
      expect.objectContaining({ item: arnOf('/certs/text'), code: 'NOT_A_CERTIFICATE' }),
    ]);
    expect(keyMaterialIn(out, tls.leaf.keyPem)).toEqual([]);
  });

  it('--option prefixes=/other/ selects by name: the untagged parameter is read', async () => {
    const { code, out } = await cli(['--regions', REGION, '--json', '--option', 'prefixes=/other/']);
    expect(code).toBe(1);
    expect((JSON.parse(out) as { certificates: { id: string }[] }).certificates.map((c) => c.id)).toEqual([
      arnOf('/other/untagged'),
    ]);
  });
});
