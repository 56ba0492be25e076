/**
 * IAM server certificates end to end on the local AWS: real certificates (with their private keys
 * and chains) uploaded to moto's IAM, an ALB listener and a classic load balancer serving one of
 * them, the real inventory handler with the state table (scan → lifecycle → bus), then
 * `cert-watch scan iam --json` as a user runs it. moto's ListServerCertificates says every
 * certificate expired in 2012: the records must carry the dates of the certificates themselves.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateLoadBalancerCommand as CreateClassicCommand,
  ElasticLoadBalancingClient,
} from '@aws-sdk/client-elastic-load-balancing';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  IAMClient,
  ListServerCertificatesCommand,
  UploadServerCertificateCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { makeInventoryHandler } from '../../lambda/handlers/make-inventory-handler';
import { buildSources } from '../../lambda/sources/registry';
import { type BusCapture, captureBus, type ReceivedEvent } from '../support/bus-capture';
import { createChain, daysFrom, type GeneratedChain } from '../support/certs';
import { defaultSubnets } from '../support/discovery-on-moto';
import { inventoryOnMoto } from '../support/inventory-on-moto';
import { MOTO_ACCOUNT, type Moto, startMoto } from '../support/moto';
import { assertValidEvent } from '../support/schemas';
import { stateTableInputFromTemplate, watcherEventPattern } from '../support/template';

const HOME = 'us-east-1';
const LB_REGION = 'eu-west-1';
const BUS = 'iam-watcher-bus';
const TABLE = 'iam-watcher-state';
const CLI = join(__dirname, '..', '..', 'bin', 'cert-watch.cjs');
const run = promisify(execFile);

let moto: Moto;
const certs: Record<string, GeneratedChain> = {};
const arns: Record<string, string> = {};
let listenerArn: string;
let capture: BusCapture;
let scan: (id: string) => ReturnType<ReturnType<typeof makeInventoryHandler>>;
const runs: ReceivedEvent[][] = [];
let firstSummary: Awaited<ReturnType<typeof scan>>;
const logLines: string[] = [];
const logger = {
  info: (m: string, f?: Record<string, unknown>) => logLines.push(JSON.stringify([m, f])),
  warn: (m: string, f?: Record<string, unknown>) => logLines.push(JSON.stringify([m, f])),
  error: (m: string, f?: Record<string, unknown>) => logLines.push(JSON.stringify([m, f])),
};

const upload = async (iam: IAMClient, name: string, leafDays: number, intermediateDays = 1825) => {
  const now = new Date();
  const chain = await createChain({
    now,
    leaf: {
      commonName: `${name}.example.com`,
      dnsNames: [`${name}.example.com`, `www.${name}.example.com`],
      // A year-long certificate: the lifecycle's short-lifetime rule stays out of the picture.
      notBefore: daysFrom(now, -300),
      notAfter: daysFrom(now, leafDays),
    },
    intermediate: { notAfter: daysFrom(now, intermediateDays) },
  });
  const out = await iam.send(
    new UploadServerCertificateCommand({
      ServerCertificateName: name,
      Path: '/web/',
      CertificateBody: chain.leaf.certPem,
      CertificateChain: chain.intermediate.certPem,
      PrivateKey: chain.leaf.keyPem,
    }),
  );
  certs[name] = chain;
  arns[name] = out.ServerCertificateMetadata?.Arn ?? '';
};

const certificateEvents = (events: ReceivedEvent[]) =>
  events.filter((e) => e['detail-type'] !== 'Scan Completed');
const keyMaterial = () =>
  Object.values(certs).flatMap((c) => [
    c.leaf.keyPem
      .split('\n')
      .filter((l) => l && !l.startsWith('-----'))
      .join('')
      .slice(0, 48),
  ]);

beforeAll(async () => {
  moto = await startMoto();
  const iam = new IAMClient(moto.clientConfig(HOME));
  await upload(iam, 'ten-days', 10);
  await upload(iam, 'chain-first', 20, 3);
  await upload(iam, 'healthy', 200);

  const subnets = await defaultSubnets(moto, LB_REGION);
  const elbv2 = new ElasticLoadBalancingV2Client(moto.clientConfig(LB_REGION));
  const lb = await elbv2.send(new CreateLoadBalancerCommand({ Name: 'shop', Subnets: subnets.slice(0, 2) }));
  const listener = await elbv2.send(
    new CreateListenerCommand({
      LoadBalancerArn: lb.LoadBalancers?.[0]?.LoadBalancerArn,
      Protocol: 'HTTPS',
      Port: 443,
      Certificates: [{ CertificateArn: arns['ten-days'] }],
      DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200' } }],
    }),
  );
  listenerArn = listener.Listeners?.[0]?.ListenerArn ?? '';
  await new ElasticLoadBalancingClient(moto.clientConfig(LB_REGION)).send(
    new CreateClassicCommand({
      LoadBalancerName: 'legacy',
      AvailabilityZones: [`${LB_REGION}a`],
      Listeners: [
        {
          Protocol: 'HTTPS',
          LoadBalancerPort: 443,
          InstanceProtocol: 'HTTP',
          InstancePort: 80,
          SSLCertificateId: arns['ten-days'],
        },
      ],
    }),
  );
});

// Separate hooks, each far below the hook timeout: the first template synthesis alone takes seconds.
beforeAll(async () => {
  await new DynamoDBClient(moto.clientConfig(HOME)).send(
    new CreateTableCommand(stateTableInputFromTemplate(TABLE)),
  );
  capture = await captureBus(moto.clientConfig(HOME), BUS, watcherEventPattern());
});

beforeAll(async () => {
  // Built from its setting through the production registry, as the Lambda builds it.
  scan = (id) =>
    inventoryOnMoto(moto, {
      regions: [],
      home: HOME,
      busName: BUS,
      stateTable: TABLE,
      logger,
      sources: buildSources([{ kind: 'iam', options: { usageRegions: [LB_REGION] } }], {
        clientOverrides: (region) => moto.clientConfig(region),
      }),
    })({ id });
  firstSummary = await scan('iam-scan-1');
  runs.push(await capture.receive(3));
  await scan('iam-scan-2');
  runs.push(await capture.receive(1, 3_000));
});

afterAll(async () => moto?.stop());

describe('moto as the IAM it plays', () => {
  it('lists every server certificate with a fixed 2012 Expiration (the gap the body read covers)', async () => {
    const listed = await new IAMClient(moto.clientConfig(HOME)).send(new ListServerCertificatesCommand({}));
    for (const m of listed.ServerCertificateMetadataList ?? [])
      expect(m.Expiration?.getUTCFullYear(), m.ServerCertificateName).toBe(2012);
  });
});

describe('IAM server certificates through the inventory, the lifecycle and the bus', () => {
  it('announces the two certificates inside the warning window once, from the scope iam#<account>', () => {
    const events = certificateEvents(runs[0] ?? []);
    expect(events.map((e) => (e.detail.certificate as { domain: string }).domain).sort()).toEqual([
      'chain-first.example.com',
      'ten-days.example.com',
    ]);
    for (const e of runs[0] ?? []) assertValidEvent(e['detail-type'], e.detail);
    const heartbeat = (runs[0] ?? []).find((e) => e['detail-type'] === 'Scan Completed');
    expect(heartbeat?.detail).toMatchObject({
      source: 'iam',
      scopesScanned: [`iam#${MOTO_ACCOUNT}`],
      scopesFailed: [],
      counts: { total: 3, ok: 1, warning: 2 },
    });
    expect(firstSummary.counts.total).toBe(3);
  });

  it('carries the real certificate: dates, fingerprint, names, issuer, IMPORTED, no region', () => {
    const event = certificateEvents(runs[0] ?? []).find(
      (e) => (e.detail.certificate as { domain: string }).domain === 'ten-days.example.com',
    );
    const leaf = new X509Certificate(certs['ten-days']?.leaf.certPem ?? '');
    expect(event?.['detail-type']).toBe('Certificate Expiring');
    expect(event?.detail.certificate).toMatchObject({
      source: 'iam',
      id: arns['ten-days'],
      account: MOTO_ACCOUNT,
      sans: ['ten-days.example.com', 'www.ten-days.example.com'],
      issuer: 'CN=Test Intermediate CA',
      fingerprintSha256: leaf.fingerprint256,
      notAfter: new Date(leaf.validTo).toISOString(),
      type: 'IMPORTED',
    });
    expect(event?.detail.certificate).not.toHaveProperty('region');
    expect(event?.detail.evaluation).toMatchObject({ severity: 'warning', renewsAutomatically: false });
  });

  it('names the listener and the classic load balancer that serve it', () => {
    const event = certificateEvents(runs[0] ?? []).find(
      (e) => (e.detail.certificate as { id: string }).id === arns['ten-days'],
    );
    expect(event?.detail.certificate).toMatchObject({
      inUse: true,
      inUseBy: [
        listenerArn,
        `arn:aws:elasticloadbalancing:${LB_REGION}:${MOTO_ACCOUNT}:loadbalancer/legacy`,
      ].sort(),
    });
  });

  it('says when the chain expires before the certificate, keeping the certificate notAfter', () => {
    const event = certificateEvents(runs[0] ?? []).find(
      (e) => (e.detail.certificate as { id: string }).id === arns['chain-first'],
    );
    const leaf = new X509Certificate(certs['chain-first']?.leaf.certPem ?? '');
    expect(event?.detail.certificate).toMatchObject({
      status: 'CHAIN_EXPIRES_FIRST',
      renewalReason: expect.stringContaining('"CN=Test Intermediate CA" expires'),
      notAfter: new Date(leaf.validTo).toISOString(),
      inUse: false,
      inUseBy: [],
    });
  });

  it('a repeated scan says nothing but its heartbeat (the records are stable scan after scan)', () => {
    expect((runs[1] ?? []).map((e) => e['detail-type'])).toEqual(['Scan Completed']);
  });

  it('puts no private key material on the bus, in the state table or in a log line', async () => {
    const items = await new DynamoDBClient(moto.clientConfig(HOME)).send(
      new ScanCommand({ TableName: TABLE }),
    );
    expect(items.Items?.length).toBeGreaterThanOrEqual(3);
    expect(logLines.length).toBeGreaterThan(0);
    const text = JSON.stringify([runs, items.Items, logLines]);
    expect(text).not.toContain('PRIVATE KEY');
    for (const k of keyMaterial()) expect(text).not.toContain(k);
  });
});

describe('cert-watch scan iam', () => {
  it('prints the shared JSON contract with the real dates and exits 1 (warning)', async () => {
    let out: { code: number; stdout: string; stderr: string };
    try {
      const r = await run(
        process.execPath,
        [CLI, 'scan', 'iam', '--json', '--option', `usageRegions=${LB_REGION}`],
        {
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...moto.env(HOME) },
          timeout: 60_000,
        },
      );
      out = { code: 0, ...r };
    } catch (error) {
      out = error as { code: number; stdout: string; stderr: string };
    }
    expect(out.code, out.stderr).toBe(1);
    const json = JSON.parse(out.stdout) as { certificates: Record<string, unknown>[]; errors: unknown[] };
    expect(json.errors).toEqual([]);
    expect(
      Object.fromEntries(json.certificates.map((c) => [c.domain, [c.severity, c.source, c.region, c.type]])),
    ).toEqual({
      'ten-days.example.com': ['warning', 'iam', null, 'IMPORTED'],
      'chain-first.example.com': ['warning', 'iam', null, 'IMPORTED'],
      'healthy.example.com': ['ok', 'iam', null, 'IMPORTED'],
    });
    const tenDays = json.certificates.find((c) => c.id === arns['ten-days']);
    expect(tenDays?.inUseBy).toContain(listenerArn);
    expect(tenDays?.notAfter).toBe(
      new Date(new X509Certificate(certs['ten-days']?.leaf.certPem ?? '').validTo).toISOString(),
    );
    for (const k of keyMaterial()) expect(out.stdout + out.stderr).not.toContain(k);
  });
});
