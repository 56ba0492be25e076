/**
 * Organization benchmark (#13): 500 accounts × 4 regions × 2 sources (ACM and Secrets Manager,
 * both regional: 4,000 scopes) through the real scan planner, scan worker handler (Powertools batch
 * processing, member role assumed through STS, opt-in status read), coverage store, lifecycle store
 * and event publisher, every AWS API answered in-process at the HTTP layer (bench-fake-aws.ts;
 * DynamoDB by bench-fake-dynamodb.ts: moto serves a by-scope GSI Query in about 35 ms on a table of
 * 3,000 items and a conditional UpdateItem in about 6 ms, so one period's 4,000 Queries on a table
 * of 24,000 items would take far longer than the bench may). Two periods a day apart: the first
 * tracks every certificate, the second is the steady state every later period looks like.
 *
 * Units run one at a time, so each invocation's measured wall time is its own. Lambda's SQS event
 * source mapping is simulated: `concurrency` execution environments per source, each unit given
 * to the environment that frees up first, an environment's duration = measured handler time +
 * the modelled AWS latency of its calls (MODEL_LATENCY_MS). Each environment has its own member
 * credentials cache, as in Lambda. Measurements and a model, not assertions.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DEFAULT_MEMBER_ROLE_NAME } from '../lambda/contracts/organization';
import type { SourceSetting } from '../lambda/contracts/sources';
import { STATE_TABLE_SCHEMA } from '../lambda/contracts/state-table';
import { DEFAULT_THRESHOLDS } from '../lambda/core/evaluate';
import { DEFAULT_EVENT_SOURCE } from '../lambda/core/events';
import { silentLogger } from '../lambda/core/ports';
import { makePlanHandler } from '../lambda/handlers/make-plan-handler';
import { makeScanWorkerHandler } from '../lambda/handlers/make-scan-worker-handler';
import { lifecycleConfig } from '../lambda/lifecycle/model';
import { EventBusPublisher } from '../lambda/sinks/bus/event-bus-publisher';
import { SqsBatchSender } from '../lambda/sinks/queue/sqs-batch-sender';
import { DynamoDbCoverageStore } from '../lambda/sinks/state/coverage-store';
import { DynamoDbStateStore } from '../lambda/sinks/state/dynamodb-state-store';
import { acmPlugin } from '../lambda/sources/acm/plugin';
import { discoverAccounts } from '../lambda/sources/organization/accounts';
import { MemberAccess } from '../lambda/sources/organization/member-access';
import type { SourcePlugin } from '../lambda/sources/plugin';
import { secretsPlugin } from '../lambda/sources/secrets/plugin';
import { FakeAws } from './bench-fake-aws';
import { FakeDynamoTable } from './bench-fake-dynamodb';
import { contentOf, organizationOf, WATCHER_ACCOUNT } from './bench-organization-estate';

const WATCHER_KEY = 'AKIABENCHWATCHER';
const HOME = 'us-east-1';
export const BENCH_TABLE = 'bench-state';
const DAY_MS = 86_400_000;
/** Assumed init (cold start) per execution environment: module load at 512 MB's CPU share plus the runtime's own. */
export const INIT_MS_MODEL = 400;

export interface OrganizationBenchOptions {
  readonly accounts?: number;
  readonly regions?: readonly string[];
  /** The workers' SQS maximum concurrency (`scanConcurrency`). @default 4 */
  readonly concurrency?: number;
  readonly acmPerScope?: number;
  readonly secretsPerScope?: number;
  readonly workerMemoryMb?: number;
  readonly plannerMemoryMb?: number;
  /** DynamoDB on this endpoint (moto, its table created by the caller) instead of the in-process fake. */
  readonly dynamoEndpoint?: string;
}

export interface InvocationStats {
  readonly count: number;
  /** Σ measured handler wall time on this machine (in-process AWS, no network). */
  readonly measuredMs: number;
  readonly cpuMs: number;
  /** Σ modelled AWS latency. */
  readonly latencyMs: number;
  readonly maxMs: number;
  readonly coldStarts: number;
}

export interface PeriodResult {
  readonly name: string;
  readonly units: number;
  readonly calls: Record<string, number>;
  readonly sqsMessages: number;
  readonly events: Record<string, number>;
  readonly dynamo: { readUnits: number; writeUnits: number; indexWriteUnits: number };
  readonly planner: InvocationStats;
  readonly workers: Record<string, InvocationStats & { readonly makespanMs: number }>;
  /** Planner, then the slower source's workers finishing (simulated at `concurrency`). */
  readonly wallMs: number;
  readonly scanned: number;
  readonly finalized: boolean;
}

export interface OrganizationBench {
  readonly accounts: number;
  readonly regions: readonly string[];
  readonly kinds: readonly string[];
  readonly concurrency: number;
  readonly acmPerScope: number;
  readonly secretsPerScope: number;
  readonly workerMemoryMb: number;
  readonly plannerMemoryMb: number;
  readonly periods: readonly PeriodResult[];
  readonly tableItems: number;
  readonly tableBytes: number;
  readonly benchMs: number;
}

const diff = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
      .filter(([, v]) => v > 0),
  );

const emptyStats = (): { -readonly [K in keyof InvocationStats]: InvocationStats[K] } => ({
  count: 0,
  measuredMs: 0,
  cpuMs: 0,
  latencyMs: 0,
  maxMs: 0,
  coldStarts: 0,
});

export const benchOrganization = async (
  options: OrganizationBenchOptions = {},
): Promise<OrganizationBench> => {
  const started = performance.now();
  const n = options.accounts ?? 500;
  const regions = options.regions ?? ['us-east-1', 'eu-west-1', 'eu-central-1', 'ap-southeast-2'];
  const concurrency = options.concurrency ?? 4;
  const acmPerScope = options.acmPerScope ?? 3;
  const secretsPerScope = options.secretsPerScope ?? 2;
  const T0 = new Date();
  const org = organizationOf(n, await contentOf(T0, acmPerScope, secretsPerScope));
  const { partitionKey, scopeIndex } = STATE_TABLE_SCHEMA;
  const table = new FakeDynamoTable(BENCH_TABLE, partitionKey.name, {
    name: scopeIndex.indexName,
    hashKey: scopeIndex.partitionKey.name,
    rangeKey: scopeIndex.sortKey.name,
    projected: scopeIndex.nonKeyAttributes,
  });
  const fake = new FakeAws({
    org,
    watcherAccount: WATCHER_ACCOUNT,
    watcherAccessKeyId: WATCHER_KEY,
    table,
    dynamoEndpoint: options.dynamoEndpoint,
  });
  // Every client of the bench: the fake as its HTTP handler, the watcher's own credentials.
  const base = {
    region: HOME,
    credentials: { accessKeyId: WATCHER_KEY, secretAccessKey: 'bench' },
    requestHandler: fake.handler,
  };
  const sources: SourceSetting[] = [
    { kind: 'acm', regions },
    { kind: 'secrets', regions },
  ];
  const plugins: Record<string, SourcePlugin> = { acm: acmPlugin, secrets: secretsPlugin };
  const queueUrl = (kind: string) =>
    `https://sqs.${HOME}.amazonaws.com/${WATCHER_ACCOUNT}/bench-scan-${kind}`;
  const publisher = () =>
    new EventBusPublisher(
      { busName: 'bench-bus', source: DEFAULT_EVENT_SOURCE },
      new EventBridgeClient(base),
    );
  const coverageStore = () => new DynamoDbCoverageStore({ tableName: BENCH_TABLE }, new DynamoDBClient(base));

  const measure = async <T>(run: () => Promise<T>) => {
    fake.takeLatencyMs();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const value = await run();
    const measuredMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { value, measuredMs, cpuMs: (cpu.user + cpu.system) / 1000, latencyMs: fake.takeLatencyMs() };
  };
  const add = (
    s: ReturnType<typeof emptyStats>,
    m: { measuredMs: number; cpuMs: number; latencyMs: number },
  ) => {
    s.count++;
    s.measuredMs += m.measuredMs;
    s.cpuMs += m.cpuMs;
    s.latencyMs += m.latencyMs;
    s.maxMs = Math.max(s.maxMs, m.measuredMs + m.latencyMs);
  };

  const runPeriod = async (name: string, at: Date): Promise<PeriodResult> => {
    const calls0 = { ...fake.calls };
    const events0 = { ...fake.events };
    const cap0 = { ...table.capacity };
    const clock = () => at;
    // A cold planner: its own clients, as a new execution environment would have.
    const plan = makePlanHandler({
      config: { account: WATCHER_ACCOUNT, accounts: { mode: 'organization' }, sources },
      discover: (setting, self) => discoverAccounts(setting, self, () => new OrganizationsClient(base)),
      enqueue: async (kind, units) => {
        await new SqsBatchSender({ queueUrl: queueUrl(kind) }, new SQSClient(base)).send(
          units.map((u) => JSON.stringify(u)),
        );
      },
      coverage: coverageStore(),
      publisher: publisher(),
      logger: silentLogger,
      metrics: () => {},
      clock,
    });
    const scanId = `bench-${name}`;
    const planner = emptyStats();
    const planned = await measure(() => plan({ id: scanId }));
    add(planner, planned);
    planner.coldStarts = 1;
    const plannerMs = planned.measuredMs + planned.latencyMs + INIT_MS_MODEL;

    // Lambda's event source mapping: `concurrency` environments per source, created on first use.
    type Env = { free: number; handler?: (e: SQSEvent) => Promise<unknown> };
    const envs = Object.fromEntries(
      sources.map((s) => [s.kind, Array.from({ length: concurrency }, (): Env => ({ free: plannerMs }))]),
    );
    const pending = Object.fromEntries(
      sources.map((s) => [s.kind, [...(fake.queues.get(queueUrl(s.kind)) ?? [])]]),
    );
    const sqsMessages = Object.values(pending).reduce((sum, q) => sum + q.length, 0);
    for (const s of sources) fake.queues.set(queueUrl(s.kind), []);
    const workers: Record<string, ReturnType<typeof emptyStats>> = Object.fromEntries(
      sources.map((s) => [s.kind, emptyStats()]),
    );
    const newWorker = (kind: string) =>
      makeScanWorkerHandler({
        thresholds: DEFAULT_THRESHOLDS,
        units: {
          plugins: { [kind]: plugins[kind] as SourcePlugin },
          settings: sources,
          access: new MemberAccess({
            self: WATCHER_ACCOUNT,
            roleName: DEFAULT_MEMBER_ROLE_NAME,
            overrides: base,
          }),
          clientOverrides: (region) => ({ ...base, region }),
        },
        lifecycle: {
          store: new DynamoDbStateStore({ tableName: BENCH_TABLE }, new DynamoDBClient(base)),
          config: lifecycleConfig(),
        },
        coverage: coverageStore(),
        publisher: publisher(),
        logger: silentLogger,
        metrics: () => {},
        clock,
      }) as (e: SQSEvent) => Promise<unknown>;
    let failures = 0;
    for (let i = 0; ; i++) {
      // The next unit starts on whichever environment (of a source with work left) frees up first.
      let pick: { kind: string; env: Env } | undefined;
      for (const s of sources) {
        if ((pending[s.kind]?.length ?? 0) === 0) continue;
        for (const env of envs[s.kind] ?? [])
          if (!pick || env.free < pick.env.free) pick = { kind: s.kind, env };
      }
      if (!pick) break;
      const { kind, env } = pick;
      const body = pending[kind]?.shift() ?? '';
      const stats = workers[kind] ?? emptyStats();
      if (!env.handler) {
        env.handler = newWorker(kind);
        env.free += INIT_MS_MODEL;
        stats.coldStarts++;
      }
      const handler = env.handler;
      const event = {
        Records: [
          {
            messageId: `m-${i}`,
            receiptHandle: `r-${i}`,
            body,
            attributes: { ApproximateReceiveCount: '1' },
            messageAttributes: {},
            md5OfBody: '',
            eventSource: 'aws:sqs',
            eventSourceARN: `arn:aws:sqs:${HOME}:${WATCHER_ACCOUNT}:bench-scan-${kind}`,
            awsRegion: HOME,
          },
        ],
      } as unknown as SQSEvent;
      const m = await measure(() => handler(event));
      if (((m.value as SQSBatchResponse).batchItemFailures ?? []).length > 0) failures++;
      add(stats, m);
      env.free += m.measuredMs + m.latencyMs;
    }
    if (failures > 0) throw new Error(`${failures} scan unit(s) failed: the bench measured a broken period`);
    // The period's own calls and capacity, before the bench reads the outcome back.
    const calls = diff(fake.calls, calls0);
    const dynamo = {
      readUnits: table.capacity.readUnits - cap0.readUnits,
      writeUnits: table.capacity.writeUnits - cap0.writeUnits,
      indexWriteUnits: table.capacity.indexWriteUnits - cap0.indexWriteUnits,
    };
    const period = await coverageStore().period(scanId);
    const outcomes = (await coverageStore().listCoverage()).filter((r) => r.lastScanId === scanId);
    const makespans = Object.fromEntries(
      sources.map((s) => [s.kind, Math.max(...(envs[s.kind] ?? []).map((e) => e.free)) - plannerMs]),
    );
    return {
      name,
      units: planned.value.units,
      calls,
      sqsMessages,
      events: diff(fake.events, events0),
      dynamo,
      planner,
      workers: Object.fromEntries(
        Object.entries(workers).map(([k, v]) => [k, { ...v, makespanMs: makespans[k] ?? 0 }]),
      ),
      wallMs: plannerMs + Math.max(...Object.values(makespans)),
      scanned: outcomes.filter((o) => o.status === 'scanned').length,
      finalized: Boolean(period?.finalizedAt),
    };
  };

  const periods = [await runPeriod('first', T0), await runPeriod('steady', new Date(T0.getTime() + DAY_MS))];
  const tableItems = table.size;
  return {
    accounts: n,
    regions,
    kinds: sources.map((s) => s.kind),
    concurrency,
    acmPerScope,
    secretsPerScope,
    workerMemoryMb: options.workerMemoryMb ?? 512,
    plannerMemoryMb: options.plannerMemoryMb ?? 256,
    periods,
    tableItems,
    tableBytes: table.storageBytes(),
    benchMs: performance.now() - started,
  };
};
