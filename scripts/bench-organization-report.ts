/**
 * The organization bench as Markdown for docs/benchmarks.md: calls, messages, invocations and
 * GB-seconds per period, the simulated wall time, and the monthly cost at daily and 6-hourly
 * scans with public us-east-1 list prices (PRICES).
 */
import { INIT_MS_MODEL, type OrganizationBench, type PeriodResult } from './bench-organization';

/** us-east-1 list prices in USD (AWS pricing pages for each service), free tiers left out. */
export const PRICES = {
  /** Lambda arm64, first 7.5 billion GB-s a month. */
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  /** SQS standard queue, per request (a request carries up to 10 messages and 64 KiB). */
  sqsRequest: 0.4 / 1e6,
  /** DynamoDB on-demand. */
  dynamoWru: 0.625 / 1e6,
  dynamoRru: 0.125 / 1e6,
  dynamoGbMonth: 0.25,
  /** EventBridge custom events, per 64 KiB chunk of an entry. */
  eventBridgeEvent: 1 / 1e6,
  /** Secrets Manager API calls. */
  secretsManagerCall: 0.05 / 10_000,
} as const;

/**
 * Lambda's SQS pollers long-poll an idle queue all the time; AWS does not publish their number.
 * Assumed here: 5 pollers, 20-second long polls: 3 × 5 × 60 × 24 × 30 requests a month per queue.
 */
export const IDLE_POLLS_PER_QUEUE_MONTH = 3 * 5 * 60 * 24 * 30;

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const usd = (n: number) => (n < 0.01 ? `$${n.toFixed(4)}` : `$${n.toFixed(2)}`);

/** What one period uses, priced. */
export const periodUse = (b: OrganizationBench, p: PeriodResult) => {
  const workers = Object.values(p.workers);
  const invocations = p.planner.count + sum(workers.map((w) => w.count));
  const gb = (mb: number) => mb / 1024;
  const measuredGbS =
    (p.planner.measuredMs / 1000) * gb(b.plannerMemoryMb) +
    sum(workers.map((w) => (w.measuredMs / 1000) * gb(b.workerMemoryMb)));
  const coldGbS =
    (INIT_MS_MODEL / 1000) *
    (p.planner.coldStarts * gb(b.plannerMemoryMb) +
      sum(workers.map((w) => w.coldStarts)) * gb(b.workerMemoryMb));
  const modelledGbS =
    measuredGbS +
    coldGbS +
    (p.planner.latencyMs / 1000) * gb(b.plannerMemoryMb) +
    sum(workers.map((w) => (w.latencyMs / 1000) * gb(b.workerMemoryMb)));
  // The event source mapping receives each message and deletes it after the invocation (batch size 1).
  const sqsRequests = (p.calls['sqs:SendMessageBatch'] ?? 0) + 2 * p.sqsMessages;
  const events = sum(Object.values(p.events));
  const secretsCalls = sum(
    Object.entries(p.calls)
      .filter(([k]) => k.startsWith('secretsmanager:'))
      .map(([, v]) => v),
  );
  const cost = {
    'Lambda duration (modelled GB-s)': modelledGbS * PRICES.lambdaGbSecond,
    'Lambda requests': invocations * PRICES.lambdaRequest,
    'SQS requests': sqsRequests * PRICES.sqsRequest,
    'DynamoDB writes (WRU)': p.dynamo.writeUnits * PRICES.dynamoWru,
    'DynamoDB reads (RRU)': p.dynamo.readUnits * PRICES.dynamoRru,
    'EventBridge custom events': events * PRICES.eventBridgeEvent,
    'Secrets Manager API calls': secretsCalls * PRICES.secretsManagerCall,
    'STS, Organizations, Account Management, ACM API calls': 0,
  };
  return { invocations, measuredGbS, coldGbS, modelledGbS, sqsRequests, events, secretsCalls, cost };
};

export const organizationReport = (b: OrganizationBench): string[] => {
  const [first, steady] = b.periods;
  if (!first || !steady) return [];
  const uses = b.periods.map((p) => periodUse(b, p));
  const row = (label: string, f: (p: PeriodResult, i: number) => string) =>
    `| ${label} | ${b.periods.map((p, i) => f(p, i)).join(' | ')} |`;
  const apis = [...new Set(b.periods.flatMap((p) => Object.keys(p.calls)))].sort();
  const lines = [
    `## Organization: ${fmt(b.accounts)} accounts × ${b.regions.length} regions × ${b.kinds.length} sources (${b.kinds.join(', ')})`,
    '',
    `${fmt(first.units)} scan units a period (${b.acmPerScope} ACM certificates and ${b.secretsPerScope} tagged secrets per account and region); scanConcurrency ${b.concurrency}; workers ${b.workerMemoryMb} MB, planner ${b.plannerMemoryMb} MB. Bench run ${fmt(b.benchMs / 1000, 1)} s.`,
    '',
    `| per period | ${b.periods.map((p) => `${p.name} period`).join(' | ')} |`,
    `| --- | ${b.periods.map(() => '---').join(' | ')} |`,
    ...apis.map((api) => row(`\`${api}\``, (p) => fmt(p.calls[api] ?? 0))),
    row('SQS messages (scan units)', (p) => fmt(p.sqsMessages)),
    row('SQS requests (SendMessageBatch + event source mapping receive and delete, modelled)', (_, i) =>
      fmt(uses[i]?.sqsRequests ?? 0),
    ),
    row('Lambda invocations (planner + workers)', (_, i) => fmt(uses[i]?.invocations ?? 0)),
    row('cold starts (planner + worker environments)', (p) =>
      fmt(p.planner.coldStarts + sum(Object.values(p.workers).map((w) => w.coldStarts))),
    ),
    row(
      'DynamoDB WRU (of which GSI)',
      (p) => `${fmt(p.dynamo.writeUnits)} (${fmt(p.dynamo.indexWriteUnits)})`,
    ),
    row('DynamoDB RRU', (p) => fmt(p.dynamo.readUnits, 1)),
    row('EventBridge events', (p) =>
      Object.entries(p.events)
        .map(([k, v]) => `${fmt(v)} ${k}`)
        .join(', '),
    ),
    row('scopes scanned / finalized', (p) => `${fmt(p.scanned)} / ${p.finalized ? 'yes' : 'no'}`),
    row(
      'planner: measured / modelled AWS latency',
      (p) => `${fmt(p.planner.measuredMs)} ms / ${fmt(p.planner.latencyMs)} ms`,
    ),
    ...b.kinds.map((k) =>
      row(`${k} worker per unit: measured (CPU) / modelled latency`, (p) => {
        const w = p.workers[k];
        return w
          ? `${fmt(w.measuredMs / w.count, 1)} ms (${fmt(w.cpuMs / w.count, 1)}) / ${fmt(w.latencyMs / w.count)} ms`
          : '—';
      }),
    ),
    row('GB-s, measured handler time × memory', (_, i) => fmt(uses[i]?.measuredGbS ?? 0, 1)),
    row(`GB-s, + modelled latency + ${INIT_MS_MODEL} ms per cold start`, (_, i) =>
      fmt(uses[i]?.modelledGbS ?? 0, 1),
    ),
    row(`wall time at concurrency ${b.concurrency} (simulated)`, (p) => `${fmt(p.wallMs / 1000, 1)} s`),
    ...b.kinds.map((k) =>
      row(
        `… of which ${k} workers (${b.concurrency} environments)`,
        (p) => `${fmt((p.workers[k]?.makespanMs ?? 0) / 1000, 1)} s`,
      ),
    ),
  ];
  const steadyUse = periodUse(b, steady);
  const fixed = {
    'SQS idle long polling (2 queues, estimate)':
      b.kinds.length * IDLE_POLLS_PER_QUEUE_MONTH * PRICES.sqsRequest,
    'DynamoDB storage': (b.tableBytes / 1e9) * PRICES.dynamoGbMonth,
  };
  const perMonth = (periods: number) => (v: number) => v * periods;
  const daily = perMonth(30);
  const sixHourly = perMonth(120);
  lines.push(
    '',
    'Monthly cost from the steady period (30 daily or 120 six-hourly periods; us-east-1 list prices):',
    '',
    '| item | per period | daily | every 6 hours |',
    '| --- | --- | --- | --- |',
    ...Object.entries(steadyUse.cost).map(
      ([k, v]) => `| ${k} | ${usd(v)} | ${usd(daily(v))} | ${usd(sixHourly(v))} |`,
    ),
    ...Object.entries(fixed).map(([k, v]) => `| ${k} | — | ${usd(v)} | ${usd(v)} |`),
    `| first period (once: tracks every certificate) | ${usd(sum(Object.values(periodUse(b, first).cost)))} | — | — |`,
    `| **total** | ${usd(sum(Object.values(steadyUse.cost)))} | **${usd(daily(sum(Object.values(steadyUse.cost))) + sum(Object.values(fixed)))}** | **${usd(sixHourly(sum(Object.values(steadyUse.cost))) + sum(Object.values(fixed)))}** |`,
  );
  return lines;
};
