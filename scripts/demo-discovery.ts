/**
 * The demo's discovery section (issue #17, docs/discovery.md): an Application Load Balancer with an
 * HTTPS listener and two SNI certificates, an API Gateway regional domain name and an imported ACM
 * certificate tagged `cert-watch:endpoints`, all on the emulator; one local TLS server (choosing a
 * certificate by SNI) stands in for what they serve, reached through the prober's injected
 * resolver. Shows what `cert-watch discover` prints, then the discovery worker → probe queue (SQS)
 * → prober → lifecycle (DynamoDB) → bus path, then "renewed but not deployed": a renewed
 * certificate re-imported into ACM while the server keeps the old one, the grace period passed on
 * an injected clock, and the server updated. Stops its servers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACMClient, DescribeCertificateCommand, ImportCertificateCommand } from '@aws-sdk/client-acm';
import { APIGatewayClient, CreateDomainNameCommand } from '@aws-sdk/client-api-gateway';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { runDiscover } from '../bin/cli/discover';
import { renderTable } from '../bin/cli/table';
import type { DiscoveredTarget } from '../lambda/contracts/discovery';
import { silentLogger } from '../lambda/core/ports';
import { makeProbeHandler, probeConfigFromEnv } from '../lambda/handlers/make-probe-handler';
import { lifecycleConfig } from '../lambda/lifecycle/model';
import { EventBusPublisher } from '../lambda/sinks/bus/event-bus-publisher';
import { SqsBatchSender } from '../lambda/sinks/queue/sqs-batch-sender';
import { createStateTable, DynamoDbStateStore } from '../lambda/sinks/state/dynamodb-state-store';
import { trackedScopes } from '../lambda/sinks/state/tracked-scopes';
import { defaultDiscoveryClients } from '../lambda/sources/discovery/clients';
import { DiscoverySource } from '../lambda/sources/discovery/discovery-source';
import { probeQueueSink } from '../lambda/sources/discovery/probe-queue-sink';
import { probeAll } from '../lambda/sources/endpoint/probe';
import { captureBus, type ReceivedEvent } from '../test/support/bus-capture';
import { createChain, daysFrom, type GeneratedChain } from '../test/support/certs';
import { captureCliIo } from '../test/support/cli-io';
import { type DiscoveryEstate, seedDiscoveryEstate } from '../test/support/discovery-on-moto';
import { MOTO_ACCOUNT, type Moto } from '../test/support/moto';
import { watcherEventPattern } from '../test/support/template';
import { pemChain, type RunningServer, startTlsServer } from '../test/support/tls-servers';
import { indent } from './demo-shared';

const REGION = 'eu-west-1';
const BUS = 'demo-discovery-bus';
const TABLE = 'demo-discovery-state';
const HOUR_MS = 3_600_000;
/** Days left per name: the listener's default and SNI certificates first (discovery-on-moto.ts). */
const NAMES = { www: 200, pay: 10, api: 200, legacy: 200 } as const;
const RENEWED = 'pay';

interface EventDetail {
  readonly certificate?: { id: string };
  readonly evaluation?: { severity: string };
  readonly problems?: { code: string; message: string }[];
  readonly lifecycle?: { transition: string };
}

const serveAll = (chains: Record<string, GeneratedChain>, port?: number): Promise<RunningServer> => {
  const serve = (c: GeneratedChain) => ({
    key: c.leaf.keyPem,
    cert: pemChain(c.leaf.certPem, c.intermediate.certPem),
  });
  return startTlsServer({
    ...serve(chains.www!),
    sni: Object.fromEntries(Object.entries(chains).map(([n, c]) => [`${n}.example.test`, serve(c)])),
    ...(port ? { port } : {}),
  });
};

export async function demoDiscovery(moto: Moto, say: (s?: string) => void): Promise<void> {
  const now = new Date();
  const dir = mkdtempSync(join(tmpdir(), 'cew-demo-discovery-'));
  let estate: DiscoveryEstate | undefined;
  let server: RunningServer | undefined;
  try {
    estate = await seedDiscoveryEstate(moto, { region: REGION, now, names: NAMES, tagged: ['legacy'] });
    server = estate.server;
    const { arns, lbDns, listenerArn } = estate;
    const chains = { ...estate.chains };
    await new APIGatewayClient(moto.clientConfig(REGION)).send(
      new CreateDomainNameCommand({
        domainName: 'api.example.test',
        regionalCertificateArn: arns.api,
        endpointConfiguration: { types: ['REGIONAL'] },
      }),
    );
    say(`In ${REGION}: the Application Load Balancer "web" (${lbDns}), whose HTTPS listener serves`);
    say('www.example.test (default certificate) and pay.example.test (SNI certificate, 10 days left),');
    say('the API Gateway regional domain name api.example.test, and an imported ACM certificate for');
    say(
      `legacy.example.test tagged cert-watch:endpoints=legacy.example.test:${server.port} (a server AWS does`,
    );
    say('not know). All certificates are ACM imports of real generated chains.');
    say(
      `One local TLS server (127.0.0.1:${server.port}) serves each name's certificate by SNI: the load balancer's DNS name`,
    );
    say(
      "resolves to a local server here, through the prober's injected resolver; so does legacy.example.test.",
    );

    say('');
    say(`  cert-watch discover --regions ${REGION}:`);
    const cli = captureCliIo({});
    const code = await runDiscover(['--regions', REGION], cli.io, {
      clientOverrides: (r) => moto.clientConfig(r),
    });
    say(indent(cli.out()));
    const errors = cli.err().trim().split('\n').filter(Boolean);
    if (errors.length > 0) {
      // Step 6's IAM certificates: moto has no ListServerCertificateTags, so their tags cannot be read here.
      say('  stderr (each item it could not read; moto does not implement IAM ListServerCertificateTags):');
      for (const line of errors) say(`    ${line.length > 150 ? `${line.slice(0, 149)}…` : line}`);
    }
    say(`  (exit code ${code}: 0 every scope read, 3 one could not be)`);
    if (/^elb\s/m.test(cli.out()))
      say('  The classic load balancer "legacy-shop" is step 6\'s (its IAM certificate).');
    say('  API Gateway publishes port 443 of its target domain, which no local server can take here');
    say(
      '  (it would need root), so the worker below discovers the load balancer and the tag (kinds elbv2, tag).',
    );

    // The deployed path: discovery worker → probe queue → prober → lifecycle → bus, all on moto.
    const sqs = new SQSClient(moto.clientConfig(REGION));
    const queueUrl =
      (await sqs.send(new CreateQueueCommand({ QueueName: 'demo-discovery-probe-queue' }))).QueueUrl ?? '';
    const dynamodb = new DynamoDBClient(moto.clientConfig(REGION));
    await createStateTable(dynamodb, TABLE);
    const store = new DynamoDbStateStore({ tableName: TABLE }, dynamodb);
    const capture = await captureBus(moto.clientConfig(REGION), BUS, watcherEventPattern());
    const publisher = new EventBusPublisher(
      { busName: BUS },
      new EventBridgeClient(moto.clientConfig(REGION)),
    );
    const caFile = join(dir, 'ca.pem');
    const writeCa = () =>
      writeFileSync(caFile, pemChain(...Object.values(chains).map((c) => c.root.certPem)));
    writeCa();
    // No configured endpoints: the prober admits discovered targets only (DISCOVERED_TARGETS).
    const endpointsFile = join(dir, 'endpoints.json');
    writeFileSync(endpointsFile, '[]');

    /** One period at `at`: the region's discovery scope, its batches through SQS, the prober, the bus. */
    const period = async (at: Date, scanId: string) => {
      const sender = new SqsBatchSender({ queueUrl }, sqs);
      let sent = 0;
      const discovery = new DiscoverySource({
        regions: [REGION],
        kinds: ['elbv2', 'tag'],
        clients: defaultDiscoveryClients((r) => moto.clientConfig(r)),
        sink: probeQueueSink({
          sender: {
            send: async (bodies) => {
              const out = await sender.send(bodies);
              sent += out.sent;
              return out;
            },
          },
          batchSize: 10,
          trackedScopes: (prefix) => trackedScopes(TABLE, prefix, dynamodb),
          clock: () => at,
          scanId: () => scanId,
        }),
      });
      const scope = discovery.scopes(MOTO_ACCOUNT).find((s) => s.region === REGION);
      if (!scope) throw new Error(`no discovery scope for ${REGION}`);
      for await (const _ of discovery.reader(scope).list()) throw new Error('discovery lists no records');
      const prober = makeProbeHandler({
        config: probeConfigFromEnv({
          ENDPOINTS_FILE: endpointsFile,
          EVENT_BUS_NAME: BUS,
          PROBE_TIMEOUT_MS: '3000',
          PROBE_CONCURRENCY: '4',
          PROBE_DUAL_CERTIFICATES: 'false',
          CA_FILE: caFile,
          DISCOVERED_TARGETS: 'true',
        }),
        lifecycle: { store, config: lifecycleConfig() },
        // The injected resolver: every discovered DNS name is the local TLS server.
        probe: (targets, options) =>
          probeAll(targets, {
            ...options,
            resolve: async () => [{ address: '127.0.0.1', family: 4 as const }],
          }),
        publisher,
        logger: silentLogger,
        metrics: () => {},
        clock: () => at,
      });
      const targets: DiscoveredTarget[] = [];
      for (let received = 0; received < sent; ) {
        const messages =
          (
            await sqs.send(
              new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
            )
          ).Messages ?? [];
        if (messages.length === 0)
          throw new Error(`the probe queue holds ${sent - received} fewer messages than sent`);
        received += messages.length;
        for (const m of messages)
          targets.push(...(JSON.parse(m.Body ?? '{}') as { targets: DiscoveredTarget[] }).targets);
        const response = await prober({
          Records: messages.map(
            (m) => ({ messageId: m.MessageId ?? '', body: m.Body ?? '' }) as SQSEvent['Records'][number],
          ),
        });
        if (response.batchItemFailures.length > 0)
          throw new Error(`prober reported failed batches: ${JSON.stringify(response)}`);
      }
      // Everything of the period: one heartbeat per batch, each after its batch's events.
      const events: ReceivedEvent[] = [];
      while (events.filter((e) => e['detail-type'] === 'Scan Completed').length < sent) {
        const more = await capture.receive(1, 10_000);
        if (more.length === 0) throw new Error(`no heartbeat for ${scanId} on the bus`);
        events.push(...more);
      }
      return { targets, events: events.filter((e) => e['detail-type'] !== 'Scan Completed'), batches: sent };
    };
    const sayEvents = (events: readonly ReceivedEvent[]) => {
      const rows = events.map((e) => {
        const d = e.detail as EventDetail;
        return [
          e['detail-type'],
          d.evaluation?.severity ?? '-',
          d.lifecycle?.transition ?? '-',
          d.certificate?.id ?? '-',
        ];
      });
      say(
        indent(
          rows.length
            ? renderTable(['DETAIL-TYPE', 'SEVERITY', 'TRANSITION', 'LOCATION'], rows, 90)
            : '(none)',
        ),
      );
    };

    say('');
    say(
      '  The discovery worker queues what it found on the probe queue (SQS); the prober probes each name at the',
    );
    say('  address its resource publishes, with the name as SNI; the lifecycle publishes transitions:');
    const first = await period(now, 'demo-discovery-1');
    say(
      indent(
        renderTable(
          ['SOURCE', 'PROBED AT', 'SNI', 'SHOULD SERVE'],
          first.targets.map((t) => [
            t.expected.source,
            `${t.host}:${t.port}`,
            t.servername ?? '-',
            t.expected.configured.map((c) => c.id.split('/').pop()).join(', '),
          ]),
        ),
      ),
    );
    say(
      `  ${first.targets.length} targets in ${first.batches} batch(es) on the probe queue; events on the bus:`,
    );
    sayEvents(first.events);

    // Renewed but not deployed: ACM gets the renewed certificate (same ARN), the server keeps the old one.
    const acm = new ACMClient(moto.clientConfig(REGION));
    const renewed = await createChain({
      now,
      leaf: {
        commonName: `${RENEWED}.example.test`,
        dnsNames: [`${RENEWED}.example.test`],
        notBefore: daysFrom(now, -1),
        notAfter: daysFrom(now, 400),
      },
    });
    await acm.send(
      new ImportCertificateCommand({
        CertificateArn: arns[RENEWED],
        Certificate: Buffer.from(renewed.leaf.certPem),
        CertificateChain: Buffer.from(renewed.intermediate.certPem),
        PrivateKey: Buffer.from(renewed.leaf.keyPem),
      }),
    );
    const described = (await acm.send(new DescribeCertificateCommand({ CertificateArn: arns[RENEWED] })))
      .Certificate;
    const renewedAt = described?.ImportedAt ?? new Date();
    say('');
    say(
      `  ${RENEWED}.example.test renewed: re-imported into ACM under the same ARN (notAfter ${described?.NotAfter?.toISOString()}),`,
    );
    say('  but the server behind the load balancer keeps serving the old certificate (10 days left).');
    const withinGrace = await period(new Date(renewedAt.getTime() + 2 * HOUR_MS), 'demo-discovery-2');
    say(
      `  2 hours later (injected clock), within the 24-hour grace period: ${withinGrace.events.length} events on the bus.`,
    );
    const late = await period(new Date(renewedAt.getTime() + 25 * HOUR_MS), 'demo-discovery-3');
    say('  25 hours later, past the grace period:');
    sayEvents(late.events);
    const notDeployed = late.events.find((e) => e['detail-type'] === 'Certificate Not Deployed');
    if (!notDeployed) throw new Error('no "Certificate Not Deployed" event after the grace period');
    const problem = (notDeployed.detail as EventDetail).problems?.find(
      (p) => p.code === 'CERTIFICATE_NOT_DEPLOYED',
    );
    say(`  its message: ${problem?.message}`);
    if (!problem?.message.includes(listenerArn)) throw new Error('the message does not name the listener');

    // The server is updated: it serves the renewed certificate for that name.
    chains[RENEWED] = renewed;
    writeCa();
    const port = server.port;
    await server.close();
    server = undefined;
    server = await serveAll(chains, port);
    say('');
    say(`  The server now serves the renewed certificate for ${RENEWED}.example.test; an hour later:`);
    const fixed = await period(new Date(renewedAt.getTime() + 26 * HOUR_MS), 'demo-discovery-4');
    sayEvents(fixed.events);
    if (!fixed.events.some((e) => e['detail-type'] === 'Certificate Deployed'))
      throw new Error('no "Certificate Deployed" event after the server was updated');
  } finally {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
