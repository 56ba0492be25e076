/**
 * `npm run demo`: the watcher's main job on the embedded default, no AWS account needed.
 * Starts the local AWS (moto), seeds ACM in two regions with real generated certificates, runs
 * the inventory Lambda's handler in-process, routes its events through the rule the stack
 * deploys to a queue, and prints what arrived. Stops everything it started.
 */
import { ACMClient } from '@aws-sdk/client-acm';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { toTable } from '../bin/cli/scan';
import { renderTable } from '../bin/cli/table';
import { DEFAULT_THRESHOLDS } from '../lambda/core/evaluate';
import { runScan } from '../lambda/core/scan';
import { makeInventoryHandler } from '../lambda/handlers/make-inventory-handler';
import { jsonLogger } from '../lambda/shared/logger';
import { EventBusPublisher } from '../lambda/sinks/bus/event-bus-publisher';
import { AcmSource } from '../lambda/sources/acm/acm-source';
import { seedAcm, standardSeed } from '../test/support/acm-seed';
import { captureBus } from '../test/support/bus-capture';
import { type Moto, startMoto } from '../test/support/moto';
import { watcherEventPattern } from '../test/support/template';

const REGIONS = ['eu-west-1', 'us-east-1'];
const HOME = 'us-east-1';
const BUS = 'cert-expiry-watcher-demo';
const SOURCE = 'cert-expiry-watcher';

// This machine runs Node 20; the SDK's notice that it will need Node 22 in 2027 is noise in a report.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const say = (s = '') => process.stdout.write(`${s}\n`);

const main = async () => {
  let moto: Moto | undefined;
  const stop = async () => {
    await moto?.stop();
    moto = undefined;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void stop().then(() => process.exit(130));
    });
  }
  try {
    say('Starting the local AWS emulator (moto_server)...');
    moto = await startMoto();
    const m = moto;
    const acm = (region: string) => new ACMClient(m.clientConfig(region));
    say(`  listening on ${m.endpoint}`);

    say(
      `Seeding ACM in ${REGIONS.join(' and ')} with real certificates (expired, 3 days, 20 days, 200 days; RSA and EC)...`,
    );
    const seeded = await seedAcm(acm, standardSeed(REGIONS));
    say(`  imported ${seeded.length} certificates`);

    const pattern = watcherEventPattern();
    const capture = await captureBus(m.clientConfig(HOME), BUS, pattern);
    say(`Routing bus "${BUS}" through the stack's rule pattern ${JSON.stringify(pattern)} to an SQS queue`);

    say('Running the inventory Lambda handler in-process (its logs follow)...');
    const handler = makeInventoryHandler({
      config: {
        busName: BUS,
        eventSource: SOURCE,
        regions: REGIONS,
        thresholds: DEFAULT_THRESHOLDS,
        metricsNamespace: 'CertExpiryWatcher',
        watcherId: 'demo',
      },
      sourceFor: (region) => new AcmSource(region, acm(region)),
      publisher: new EventBusPublisher(
        { busName: BUS, source: SOURCE },
        new EventBridgeClient(m.clientConfig(HOME)),
      ),
      logger: jsonLogger({ watcher: 'demo' }, (line) => say(`  log ${line}`)),
      metrics: (values) => say(`  metrics ${JSON.stringify(values)}`),
    });
    const summary = await handler({ id: `demo-${Date.now()}` });
    const received = await capture.receive(summary.eventsPublished + 1);

    say('');
    say(`Events delivered from the bus (${received.length}):`);
    const rows = received
      .filter((e) => e['detail-type'] !== 'Scan Completed')
      .map((e) => {
        const d = e.detail as {
          certificate: { domain: string; region: string; keyAlgorithm?: string; notAfter?: string };
          evaluation: { severity: string; daysRemaining: number | null; tierDays: number | null };
          eventId: string;
        };
        return [
          e['detail-type'],
          d.evaluation.severity,
          String(d.evaluation.daysRemaining),
          String(d.evaluation.tierDays ?? '-'),
          d.certificate.domain,
          d.certificate.region,
          d.certificate.keyAlgorithm ?? '-',
          d.eventId.slice(0, 12),
        ];
      });
    say(
      renderTable(['DETAIL-TYPE', 'SEVERITY', 'DAYS', 'TIER', 'DOMAIN', 'REGION', 'KEY', 'EVENT ID'], rows),
    );
    const heartbeat = received.find((e) => e['detail-type'] === 'Scan Completed');
    say('');
    say(`Heartbeat "Scan Completed": ${JSON.stringify(heartbeat?.detail ?? 'MISSING')}`);

    say('');
    say('The same inventory as `cert-watch scan acm --regions eu-west-1,us-east-1` prints it:');
    const result = await runScan(
      REGIONS.map((r) => new AcmSource(r, acm(r))),
      { scanId: 'demo-cli', now: new Date(), thresholds: DEFAULT_THRESHOLDS },
    );
    say(toTable(result));
    if (!heartbeat || received.length !== summary.eventsPublished + 1) {
      throw new Error(
        `expected ${summary.eventsPublished + 1} events on the bus, received ${received.length}`,
      );
    }
  } finally {
    await stop();
    say('Stopped the local AWS emulator.');
  }
};

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
