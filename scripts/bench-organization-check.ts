/**
 * Cross-check of the organization bench's in-process DynamoDB: the same small organization run
 * twice, once against bench-fake-dynamodb.ts and once against moto's DynamoDB, must make the same
 * calls by API, publish the same events and scan the same scopes in both periods. Capacity is not
 * compared (moto counts one unit per item). `npm run bench -- organization-check`
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createStateTable } from '../lambda/sinks/state/dynamodb-state-store';
import { startMoto } from '../test/support/moto';
import { BENCH_TABLE, benchOrganization, type OrganizationBenchOptions } from './bench-organization';

export interface CheckRow {
  readonly period: string;
  readonly what: string;
  readonly fake: number;
  readonly moto: number;
}

export const checkOrganizationFake = async (
  options: OrganizationBenchOptions = { accounts: 6, regions: ['us-east-1', 'eu-west-1'] },
): Promise<{ rows: CheckRow[]; identical: boolean }> => {
  const moto = await startMoto();
  try {
    await createStateTable(
      new DynamoDBClient({
        region: 'us-east-1',
        endpoint: moto.endpoint,
        // The same key the bench signs with, so moto files the table under the same account.
        credentials: { accessKeyId: 'AKIABENCHWATCHER', secretAccessKey: 'bench' },
      }),
      BENCH_TABLE,
    );
    const [fake, onMoto] = [
      await benchOrganization(options),
      await benchOrganization({ ...options, dynamoEndpoint: moto.endpoint }),
    ];
    const rows: CheckRow[] = [];
    fake.periods.forEach((p, i) => {
      const m = onMoto.periods[i];
      if (!m) return;
      const counters: Record<string, [number, number]> = { 'scopes scanned': [p.scanned, m.scanned] };
      for (const k of new Set([...Object.keys(p.calls), ...Object.keys(m.calls)]))
        counters[k] = [p.calls[k] ?? 0, m.calls[k] ?? 0];
      for (const k of new Set([...Object.keys(p.events), ...Object.keys(m.events)]))
        counters[`event ${k}`] = [p.events[k] ?? 0, m.events[k] ?? 0];
      for (const [what, [a, b]] of Object.entries(counters).sort())
        rows.push({ period: p.name, what, fake: a, moto: b });
    });
    return { rows, identical: rows.every((r) => r.fake === r.moto) };
  } finally {
    await moto.stop();
  }
};

export const checkReport = (r: { rows: CheckRow[]; identical: boolean }): string[] => [
  '## Organization bench: in-process DynamoDB against moto (6 accounts × 2 regions × 2 sources)',
  '| period | counter | in-process | moto |',
  '| --- | --- | --- | --- |',
  ...r.rows.map((x) => `| ${x.period} | ${x.what} | ${x.fake} | ${x.moto}${x.fake === x.moto ? '' : ' ≠'} |`),
  '',
  r.identical ? 'Identical.' : 'DIFFERENT: the in-process DynamoDB does not answer like moto.',
];
