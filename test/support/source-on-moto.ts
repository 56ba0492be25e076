/**
 * Any source end to end on the local AWS, as the deployed stack runs it: the inventory handler with
 * the lifecycle state table (created as the template declares it), events through the stack's rule
 * pattern to a queue, every log line kept; and `cert-watch scan <kind>` in-process with the
 * source's clients pointed at moto.
 */
import { PassThrough } from 'node:stream';
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { runScanSource } from '../../bin/cli/scan';
import type { CertificateSource, Logger } from '../../lambda/core/ports';
import { captureBus, type ReceivedEvent } from './bus-capture';
import { inventoryOnMoto } from './inventory-on-moto';
import { MOTO_ACCOUNT, type Moto } from './moto';
import { stateTableInputFromTemplate, watcherEventPattern } from './template';

export interface SourceRun {
  readonly received: ReceivedEvent[];
  /** Every log line of the inventory, as JSON. */
  readonly logs: string[];
  /** The state table's items after the scan. */
  tableItems(): Promise<unknown[]>;
}

/** One inventory scan of `sources` with its own bus and state table (`<name>-bus`, `<name>-state`). */
export const runSourceOnMoto = async (
  moto: Moto,
  o: {
    readonly region: string;
    readonly name: string;
    readonly sources: readonly CertificateSource[];
    /** Events to wait for, the heartbeat included. */
    readonly events: number;
    readonly timeoutMs?: number;
  },
): Promise<SourceRun> => {
  const dynamodb = new DynamoDBClient(moto.clientConfig(o.region));
  const table = `${o.name}-state`;
  await dynamodb.send(new CreateTableCommand(stateTableInputFromTemplate(table)));
  const capture = await captureBus(moto.clientConfig(o.region), `${o.name}-bus`, watcherEventPattern());
  const logs: string[] = [];
  const line =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      logs.push(JSON.stringify({ level, message, ...fields }));
    };
  const logger: Logger = { info: line('info'), warn: line('warn'), error: line('error') };
  await inventoryOnMoto(moto, {
    regions: [o.region],
    home: o.region,
    busName: `${o.name}-bus`,
    stateTable: table,
    sources: o.sources,
    logger,
  })({ id: `${o.name}-scan-1` });
  const received = await capture.receive(o.events, o.timeoutMs);
  return {
    received,
    logs,
    tableItems: async () => (await dynamodb.send(new ScanCommand({ TableName: table }))).Items ?? [],
  };
};

/** `cert-watch scan <kind> ...args` in-process against moto: the exit code and what it printed. */
export const scanCliOnMoto =
  (moto: Moto, kind: string) =>
  async (args: readonly string[]): Promise<{ code: number; out: string }> => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    const code = await runScanSource(
      kind,
      [...args],
      { stdout, stderr: new PassThrough(), env: {} },
      { context: { clientOverrides: (r) => moto.clientConfig(r) }, account: async () => MOTO_ACCOUNT },
    );
    return { code, out };
  };
