/**
 * The demo's memory section: the same ACM inventory with the lifecycle state table (created as
 * the stack declares it), scanned three times: first scan, a repeat, and after a renewal.
 */
import { ACMClient } from '@aws-sdk/client-acm';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { renderTable } from '../bin/cli/table';
import { renewInPlace, type Seeded } from '../test/support/acm-seed';
import { captureBus, type ReceivedEvent } from '../test/support/bus-capture';
import { inventoryOnMoto } from '../test/support/inventory-on-moto';
import type { Moto } from '../test/support/moto';
import { stateTableInputFromTemplate, watcherEventPattern } from '../test/support/template';

export const demoLifecycle = async (
  moto: Moto,
  regions: readonly string[],
  home: string,
  seeded: readonly Seeded[],
  say: (s?: string) => void,
): Promise<ReceivedEvent[]> => {
  const all: ReceivedEvent[] = [];
  const acm = (region: string) => new ACMClient(moto.clientConfig(region));
  await new DynamoDBClient(moto.clientConfig(home)).send(
    new CreateTableCommand(stateTableInputFromTemplate('demo-state')),
  );
  const capture = await captureBus(moto.clientConfig(home), 'demo-lifecycle-bus', watcherEventPattern());
  const scan = (id: string) =>
    inventoryOnMoto(moto, { regions, home, busName: 'demo-lifecycle-bus', stateTable: 'demo-state' })({ id });
  const show = async (title: string, expected: number) => {
    const events = await capture.receive(expected, 3_000);
    all.push(...events);
    const rows = events
      .filter((e) => e['detail-type'] !== 'Scan Completed')
      .map((e) => {
        const d = e.detail as {
          certificate: { domain: string; region?: string };
          lifecycle?: { transition?: string; tierDays?: number | null; reminderCount?: number };
        };
        return [
          e['detail-type'],
          d.lifecycle?.transition ?? '-',
          String(d.lifecycle?.tierDays ?? '-'),
          `${d.certificate.domain} (${d.certificate.region ?? '-'})`,
        ];
      });
    say(`${title}: ${rows.length} transition(s) + heartbeat`);
    if (rows.length > 0) say(renderTable(['DETAIL-TYPE', 'TRANSITION', 'TIER', 'CERTIFICATE'], rows, 70));
  };
  await scan('demo-lifecycle-1');
  await show('  scan 1 (first sight)', seeded.filter((s) => s.days !== 200).length + 1);
  await scan('demo-lifecycle-2');
  await show('  scan 2 (same day, nothing changed)', 1);
  const target = seeded.find((s) => typeof s.days === 'number' && s.days < 7);
  if (!target) return all;
  await renewInPlace(acm(target.region), target);
  await scan('demo-lifecycle-3');
  await show(`  scan 3 (after re-importing ${target.name} with 90 days)`, 2);
  return all;
};
