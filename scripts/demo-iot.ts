/**
 * The demo's IoT Core section: a fleet of 500 device certificates signed by one CA and expiring
 * within the same week, registered in the local AWS with their real dates (one EC P-256 key pair
 * reused, serials and names differ), a few of them INACTIVE or REVOKED. The IoT source lists and
 * grades them as the inventory does; the demo prints a summary, not 500 rows.
 */
import { IoTClient } from '@aws-sdk/client-iot';
import { renderTable } from '../bin/cli/table';
import { DEFAULT_THRESHOLDS, SEVERITIES } from '../lambda/core/evaluate';
import { runScan } from '../lambda/core/scan';
import { DEFAULT_IOT_OPTIONS, IotSource } from '../lambda/sources/iot/iot-source';
import {
  createFleetCa,
  type IotDeviceSpec,
  registerCa,
  seedIotDevices,
  withCaListing,
} from '../test/support/iot-seed';
import { MOTO_ACCOUNT, type Moto } from '../test/support/moto';
import { runSourceOnMoto } from '../test/support/source-on-moto';
import { demoFanout } from './demo-fanout';

const REGION = 'eu-west-1';
const FLEET = 500;

/** Counts every IoT API call by command name. */
const countingCalls = (iot: IoTClient, calls: Map<string, number>): IoTClient => {
  iot.middlewareStack.add(
    (next, context) => (args) => {
      const name = (context.commandName ?? '?').replace(/Command$/, '');
      calls.set(name, (calls.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countCalls', priority: 'high' },
  );
  return iot;
};

const day = (d: Date | undefined) => d?.toISOString().slice(0, 16).replace('T', ' ') ?? '-';

export const demoIot = async (moto: Moto, say: (s?: string) => void): Promise<void> => {
  const now = new Date();
  const iot = new IoTClient(moto.clientConfig(REGION));
  say(`## IoT Core: a fleet of ${FLEET} device certificates expiring the same week (${REGION})`);
  const t0 = performance.now();
  const ca = await createFleetCa(now, 400, 'Meters Fleet CA');
  const registered = await registerCa(iot, ca);
  // Spread over 6 days starting 10 days out: one production batch, one week of expiries.
  const specs: IotDeviceSpec[] = Array.from({ length: FLEET }, (_, i) => ({
    name: `meter-${String(i + 1).padStart(4, '0')}`,
    days: 10 + (6 * i) / FLEET,
    status: i % 50 === 7 ? 'REVOKED' : i % 25 === 3 ? 'INACTIVE' : 'ACTIVE',
  }));
  await seedIotDevices(iot, ca, specs, now);
  say(
    `Seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s: 1 registered CA, ${FLEET} device certificates.`,
  );

  const calls = new Map<string, number>();
  const source = new IotSource(
    [REGION],
    // moto lacks ListCACertificates: answered from the CA registered above (DescribeCACertificate is moto's).
    (region) =>
      countingCalls(
        withCaListing(new IoTClient(moto.clientConfig(region)), () => [registered]),
        calls,
      ),
    { ...DEFAULT_IOT_OPTIONS, describeConcurrency: 16, caCertificates: true },
  );
  const t1 = performance.now();
  const result = await runScan(
    source.scopes(MOTO_ACCOUNT).map((s) => source.reader(s)),
    { scanId: 'demo-iot', now, thresholds: DEFAULT_THRESHOLDS },
  );
  const scanMs = performance.now() - t1;

  const devices = result.certificates.filter((c) => c.record.labels?.role !== 'ca');
  const cas = result.certificates.filter((c) => c.record.labels?.role === 'ca');
  const rows = (['device', 'ca'] as const).flatMap((role) => {
    const set = role === 'ca' ? cas : devices;
    return SEVERITIES.filter((s) => set.some((c) => c.evaluation.severity === s)).map((severity) => {
      const group = set.filter((c) => c.evaluation.severity === severity);
      const byStatus = new Map<string, number>();
      for (const c of group)
        byStatus.set(c.record.status ?? '-', (byStatus.get(c.record.status ?? '-') ?? 0) + 1);
      const notAfters = group.map((c) => c.record.notAfter?.getTime() ?? 0).sort((a, b) => a - b);
      return [
        role === 'ca' ? 'CA certificate' : 'device certificate',
        severity.toUpperCase(),
        String(group.length),
        [...byStatus].map(([s, n]) => `${n} ${s}`).join(', '),
        day(new Date(notAfters[0] ?? 0)),
        day(new Date(notAfters.at(-1) ?? 0)),
      ];
    });
  });
  say(
    renderTable(
      ['ROLE', 'SEVERITY', 'COUNT', 'STATUS', 'EARLIEST EXPIRY (UTC)', 'LATEST EXPIRY (UTC)'],
      rows,
    ),
  );
  const c = result.counts;
  say(
    `${c.total} certificate(s): ${c.expired} expired, ${c.critical} critical, ${c.warning} warning, ${c.ok} ok; ` +
      `${result.itemErrors.length} item error(s); scope ${result.scopesScanned.map((s) => s.key).join(', ')}.`,
  );
  const attached = devices.filter((d) => d.record.inUseBy !== undefined).length;
  say(
    `Listed and graded in ${(scanMs / 1000).toFixed(1)} s at describeConcurrency 16. IoT calls: ` +
      [...calls].map(([name, n]) => `${name} ${n}`).join(', ') +
      ` (things looked up only for the ${attached} reported).`,
  );

  say('');
  say(
    'The deployed path (inventory → lifecycle state table → bus → fan-out) with the same fleet: every device keeps',
  );
  say('its own event on the bus, people get one grouped alert per tier:');
  const run = await runSourceOnMoto(moto, {
    region: REGION,
    name: 'demo-iot',
    sources: [source],
    // One event per reported certificate, the group events and the heartbeat.
    events: c.critical + c.warning + c.expired + 1,
    timeoutMs: 60_000,
  });
  const byType = new Map<string, number>();
  for (const e of run.received) byType.set(e['detail-type'], (byType.get(e['detail-type']) ?? 0) + 1);
  say(`  on the bus: ${[...byType].map(([t, n]) => `${n} × ${t}`).join(', ')}`);
  const members = run.received.filter((e) => (e.detail.lifecycle as { group?: unknown } | undefined)?.group);
  say(`  ${members.length} device events carry lifecycle.group: the fan-out sends them to no person.`);
  demoFanout(run.received, say);
};
