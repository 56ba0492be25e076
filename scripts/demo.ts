/**
 * `npm run demo`: the watcher's main job on the embedded default, no AWS account needed.
 * Starts the local AWS (moto) and local TLS servers, seeds ACM in two regions with real generated
 * certificates, runs the inventory, endpoint dispatcher and prober Lambda handlers in-process,
 * routes their events through the rule pattern the stack deploys to a queue, and prints what
 * arrived beside the CLI's view. Stops everything it started.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { ACMClient } from '@aws-sdk/client-acm';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { runCheck } from '../bin/cli/check';
import { toTable } from '../bin/cli/scan';
import { renderTable } from '../bin/cli/table';
import { DEFAULT_THRESHOLDS } from '../lambda/core/evaluate';
import { runScan } from '../lambda/core/scan';
import { dispatchConfigFromEnv, makeDispatchHandler } from '../lambda/handlers/make-dispatch-handler';
import { makeProbeHandler, probeConfigFromEnv } from '../lambda/handlers/make-probe-handler';
import { reportFromScan } from '../lambda/reports/from-scan';
import { renderHtml } from '../lambda/reports/html';
import { jsonLogger } from '../lambda/shared/logger';
import { EventBusPublisher } from '../lambda/sinks/bus/event-bus-publisher';
import { SqsBatchSender } from '../lambda/sinks/queue/sqs-batch-sender';
import { AcmSource } from '../lambda/sources/acm/acm-source';
import { probeAll } from '../lambda/sources/endpoint/probe';
import { seedAcm, standardSeed } from '../test/support/acm-seed';
import { captureBus, type ReceivedEvent } from '../test/support/bus-capture';
import { inventoryOnMoto } from '../test/support/inventory-on-moto';
import { MOTO_ACCOUNT, type Moto, startMoto } from '../test/support/moto';
import { watcherEventPattern, watcherWarnings } from '../test/support/template';
import { demoDiscovery } from './demo-discovery';
import { type DemoEndpoints, startDemoEndpoints } from './demo-endpoints';
import { demoFanout } from './demo-fanout';
import { demoIam } from './demo-iam';
import { demoIot } from './demo-iot';
import { demoLifecycle } from './demo-lifecycle';
import { demoOrganization, ORGANIZATION_STRICT_ROLES } from './demo-organization';
import { demoPca } from './demo-pca';
import { demoReport } from './demo-report';
import { demoRouting } from './demo-routing';
import { demoSecrets } from './demo-secrets';
import { demoSsm } from './demo-ssm';
import { demoTickets } from './demo-tickets';

const REGIONS = ['eu-west-1', 'us-east-1'];
const HOME = 'us-east-1';
const BUS = 'cert-expiry-watcher-demo';
const SOURCE = 'cert-expiry-watcher';

// This machine runs Node 20; the SDK's notice that it will need Node 22 in 2027 is noise in a demo.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const say = (s = '') => process.stdout.write(`${s}\n`);
const log = jsonLogger({ watcher: 'demo' }, (line) => say(`  log ${line}`));

interface Detail {
  certificate?: { source: string; id: string; domain: string; region?: string };
  endpoint?: { target: string; address: string | null };
  evaluation?: { severity: string; daysRemaining: number | null };
  problems?: { code: string }[];
  error?: { code: string };
  eventId: string;
}

const eventRow = (e: ReceivedEvent, describe: Record<string, string>): string[] => {
  const d = e.detail as unknown as Detail;
  const where = d.certificate
    ? d.certificate.source === 'acm'
      ? `ACM ${d.certificate.region}: ${d.certificate.domain}`
      : `${d.certificate.id} (${describe[d.certificate.id.split('@')[0] ?? ''] ?? ''})`
    : `${d.endpoint?.target} (${describe[d.endpoint?.target ?? ''] ?? ''})`;
  return [
    e['detail-type'],
    d.evaluation?.severity ?? '-',
    d.evaluation?.daysRemaining === undefined ? '-' : String(d.evaluation.daysRemaining),
    where,
    d.error?.code ?? (d.problems?.map((p) => p.code).join(',') || '-'),
    d.eventId.slice(0, 12),
  ];
};

const main = async () => {
  let moto: Moto | undefined;
  let endpoints: DemoEndpoints | undefined;
  const stop = async () => {
    await endpoints?.stop();
    await moto?.stop();
    endpoints = undefined;
    moto = undefined;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void stop().then(() => process.exit(130));
    });
  }
  try {
    say('Starting the local AWS emulator (moto_server)...');
    moto = await startMoto({ strictRoleNames: ORGANIZATION_STRICT_ROLES });
    const m = moto;
    const acm = (region: string) => new ACMClient(m.clientConfig(region));
    say(`  listening on ${m.endpoint}`);

    say(
      `Seeding ACM in ${REGIONS.join(' and ')} with real certificates (expired, 3 days, 20 days, 200 days; RSA and EC)...`,
    );
    const seeded = await seedAcm(acm, standardSeed(REGIONS));
    say(`  imported ${seeded.length} certificates`);

    say(
      'Starting local TLS endpoints (good, expiring, expired, expiring intermediate, wrong host, self-signed, closed)...',
    );
    endpoints = await startDemoEndpoints();
    const ep = endpoints;
    for (const [target, label] of Object.entries(ep.describe)) say(`  ${target}  ${label}`);

    const pattern = watcherEventPattern();
    // The demo's stack, like cdk.json, opts out of the ops subscriber check; synth says so.
    for (const warning of watcherWarnings()) say(`cdk synth warns: ${warning}`);
    const capture = await captureBus(m.clientConfig(HOME), BUS, pattern);
    say(`Routing bus "${BUS}" through the stack's rule pattern ${JSON.stringify(pattern)} to an SQS queue`);
    const publisher = new EventBusPublisher(
      { busName: BUS, source: SOURCE },
      new EventBridgeClient(m.clientConfig(HOME)),
    );

    say('');
    say('1. The inventory Lambda (scheduled) lists ACM in both regions:');
    const inventory = inventoryOnMoto(m, {
      regions: REGIONS,
      home: HOME,
      busName: BUS,
      logger: log,
      metrics: (values) => say(`  metrics ${JSON.stringify(values)}`),
    });
    const acmSummary = await inventory({ id: `demo-acm-${Date.now()}` });

    say('');
    say('2. The endpoint dispatcher (scheduled) queues the endpoints in batches of 4:');
    const sqs = new SQSClient(m.clientConfig(HOME));
    const queueUrl =
      (await sqs.send(new CreateQueueCommand({ QueueName: 'demo-probe-queue' }))).QueueUrl ?? '';
    const dispatch = makeDispatchHandler({
      config: dispatchConfigFromEnv({
        ENDPOINTS_FILE: ep.endpointsFile,
        PROBE_QUEUE_URL: queueUrl,
        PROBE_BATCH_SIZE: '4',
      }),
      sender: new SqsBatchSender({ queueUrl }, sqs),
      logger: log,
      metrics: (values) => say(`  metrics ${JSON.stringify(values)}`),
    });
    const dispatched = await dispatch({ id: `demo-endpoints-${Date.now()}` });

    say('');
    say('3. The prober Lambda consumes each batch from the queue:');
    const prober = makeProbeHandler({
      config: probeConfigFromEnv({
        // The prober probes only the configured endpoints, whatever a queue message names.
        ENDPOINTS_FILE: ep.endpointsFile,
        EVENT_BUS_NAME: BUS,
        EVENT_SOURCE: SOURCE,
        PROBE_TIMEOUT_MS: '3000',
        PROBE_CONCURRENCY: '8',
        CA_FILE: ep.caFile,
      }),
      probe: probeAll,
      publisher,
      logger: log,
      metrics: (values) => say(`  metrics ${JSON.stringify(values)}`),
    });
    for (let i = 0; i < dispatched.batches; i++) {
      const messages =
        (
          await sqs.send(
            new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }),
          )
        ).Messages ?? [];
      const response = await prober({
        Records: messages.map(
          (msg) => ({ messageId: msg.MessageId ?? '', body: msg.Body ?? '' }) as SQSEvent['Records'][number],
        ),
      });
      if (response.batchItemFailures.length > 0)
        throw new Error(`prober reported failed batches: ${JSON.stringify(response)}`);
    }

    // ACM: one event per reported certificate + heartbeat; endpoints: at most one per endpoint + one heartbeat per batch.
    const expectedAtLeast = acmSummary.eventsPublished + 1 + dispatched.batches;
    const received = await capture.receive(expectedAtLeast + ep.targets.length, 5_000);
    say('');
    say(`Events delivered from the bus (${received.length}):`);
    const sorted = [...received].sort((a, b) => a['detail-type'].localeCompare(b['detail-type']));
    say(
      renderTable(
        ['DETAIL-TYPE', 'SEVERITY', 'DAYS', 'WHERE', 'PROBLEMS / ERROR', 'EVENT ID'],
        sorted.filter((e) => e['detail-type'] !== 'Scan Completed').map((e) => eventRow(e, ep.describe)),
        90,
      ),
    );
    say('');
    for (const h of received.filter((e) => e['detail-type'] === 'Scan Completed')) {
      const { source, counts, scopesScanned, batch, endpointsChecked, endpointsFailed } = h.detail as Record<
        string,
        unknown
      >;
      say(
        `Heartbeat "Scan Completed" (${source}): ${JSON.stringify({ counts, scopesScanned, batch, endpointsChecked, endpointsFailed })}`,
      );
    }

    say('');
    say('The same ACM inventory as `cert-watch scan acm --regions eu-west-1,us-east-1` prints it:');
    const acmSource = new AcmSource(REGIONS, acm);
    const result = await runScan(
      acmSource.scopes(MOTO_ACCOUNT).map((s) => acmSource.reader(s)),
      { scanId: 'demo-cli', now: new Date(), thresholds: DEFAULT_THRESHOLDS },
    );
    say(toTable(result));
    // The estate report (`--html`) of that scan: docs/reports.md.
    const reportFile = resolve('out', 'demo-report.html');
    mkdirSync(resolve('out'), { recursive: true });
    writeFileSync(
      reportFile,
      renderHtml(reportFromScan(result, 'npm run demo: cert-watch scan acm', new Date())),
    );
    say(`Its estate report (cert-watch scan acm --html): ${reportFile}`);
    say('');

    say(
      'The same endpoints as `cert-watch check --ca-file demo-root-ca.pem --file endpoints.json` prints them:',
    );
    const out = new PassThrough();
    let text = '';
    out.on('data', (b: Buffer) => {
      text += b.toString();
    });
    const code = await runCheck(['--ca-file', ep.caFile, '--file', ep.endpointsFile, '--timeout', '3000'], {
      stdout: out,
      stderr: process.stderr,
    });
    say(text);
    say(`(exit code ${code}: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)`);

    say('');
    say(
      'Where each alert goes (default routing) and what chat and SMS receive, as the fan-out Lambda publishes it:',
    );
    demoFanout(sorted, say);

    say('');
    say('4. The deployed watcher remembers (DynamoDB state table): only transitions reach the bus.');
    const transitions = await demoLifecycle(m, REGIONS, HOME, seeded, say);
    await demoReport(m, say, REGIONS, HOME, seeded);

    say('');
    say(
      '5. Tickets: one per certificate lifecycle (a local server playing the GitHub Issues API), closed on renewal:',
    );
    await demoTickets(transitions, say);

    say('');
    say('6. Every other certificate store of the account, each a source plugin (cert-watch scan <kind>):');
    for (const show of [demoIam, demoPca, demoSecrets, demoSsm, demoIot]) {
      say('');
      await show(m, say);
    }

    say('');
    say('7. Every account of an AWS Organization (planner → one queue per source → scan workers):');
    const orgEvents = await demoOrganization(m, say);
    say('');
    say("8. Each certificate's alert to the team that owns it (owner rules; fan-out → notifier):");
    await demoRouting(m, orgEvents, say);
    say('');
    say(
      '9. Discovery: the endpoints AWS resources serve, probed at their addresses; "renewed but not deployed":',
    );
    await demoDiscovery(m, say);
    if (received.length < expectedAtLeast) {
      throw new Error(`expected at least ${expectedAtLeast} events on the bus, received ${received.length}`);
    }
  } finally {
    await stop();
    say('Stopped the local TLS endpoints and the local AWS emulator.');
  }
};

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
