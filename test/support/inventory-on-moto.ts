/**
 * The inventory Lambda's handler wired to the local AWS exactly as inventory.ts wires it to AWS:
 * real ACM sources per region, the real bus publisher, optionally the lifecycle state table.
 */
import { ACMClient } from '@aws-sdk/client-acm';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DEFAULT_THRESHOLDS } from '../../lambda/core/evaluate';
import { DEFAULT_EVENT_SOURCE } from '../../lambda/core/events';
import type { CertificateSource } from '../../lambda/core/ports';
import { type Logger, silentLogger } from '../../lambda/core/ports';
import { makeInventoryHandler } from '../../lambda/handlers/make-inventory-handler';
import { lifecycleConfig } from '../../lambda/lifecycle/model';
import type { MetricsSink } from '../../lambda/shared/metrics';
import { EventBusPublisher } from '../../lambda/sinks/bus/event-bus-publisher';
import { DynamoDbStateStore } from '../../lambda/sinks/state/dynamodb-state-store';
import { AcmSource } from '../../lambda/sources/acm/acm-source';
import { MOTO_ACCOUNT, type Moto } from './moto';

export interface InventoryOnMotoOptions {
  readonly regions: readonly string[];
  /** Region of the bus (and state table). */
  readonly home: string;
  readonly busName: string;
  /** With a table name, the lifecycle is wired as in the deployed stack (a new client per handler: a cold start). */
  readonly stateTable?: string;
  /** ACM client per region; defaults to moto's endpoint. */
  readonly acmFor?: (region: string) => ACMClient;
  /** Sources other than ACM in `regions` (built from their settings with moto's endpoint when given as settings). */
  readonly sources?: readonly CertificateSource[];
  /** The account scope keys name. @default moto's default account */
  readonly account?: string;
  readonly logger?: Logger;
  readonly metrics?: MetricsSink;
}

export const inventoryOnMoto = (moto: Moto, o: InventoryOnMotoOptions) => {
  const acm = o.acmFor ?? ((region: string) => new ACMClient(moto.clientConfig(region)));
  const sources = o.sources ?? [new AcmSource(o.regions, acm)];
  return makeInventoryHandler({
    config: {
      busName: o.busName,
      eventSource: DEFAULT_EVENT_SOURCE,
      account: o.account ?? MOTO_ACCOUNT,
      sources: sources.map((s) => ({ kind: s.kind })),
      thresholds: DEFAULT_THRESHOLDS,
      metricsNamespace: 'CertExpiryWatcher',
      watcherId: 'local',
    },
    sources,
    publisher: new EventBusPublisher(
      { busName: o.busName, source: DEFAULT_EVENT_SOURCE },
      new EventBridgeClient(moto.clientConfig(o.home)),
    ),
    lifecycle: o.stateTable
      ? {
          store: new DynamoDbStateStore(
            { tableName: o.stateTable },
            new DynamoDBClient(moto.clientConfig(o.home)),
          ),
          config: lifecycleConfig(),
        }
      : undefined,
    logger: o.logger ?? silentLogger,
    metrics: o.metrics ?? (() => {}),
  });
};
