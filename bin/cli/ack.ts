/**
 * `cert-watch ack | unack | status`: the lifecycle state table from a terminal, with the standard
 * AWS credential chain. Acknowledging stops reminders until `--until` or until the certificate is
 * renewed; `status` lists what the watcher remembers about every location.
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { evaluate, type Severity } from '../../lambda/core/evaluate';
import { parseIsoInstant } from '../../lambda/core/time';
import { recordFromDetail } from '../../lambda/lifecycle/lifecycle-events';
import {
  type Ack,
  InvalidAckError,
  type LifecycleConfig,
  lifecycleConfig,
  MAX_ACK_REASON_CHARS,
  type TrackedState,
  validateAck,
} from '../../lambda/lifecycle/model';
import { isAcked } from '../../lambda/lifecycle/tracked-state';
import { DynamoDbStateAdmin, NotTrackedError } from '../../lambda/sinks/state/state-admin';
import { ExitCode, exitCodeFor, UsageError } from './exit-codes';
import {
  explainTableNotFound,
  type ParameterLister,
  stateTableOf,
  WATCHER_HELP,
  WATCHER_OPTIONS,
} from './find-watcher';
import type { CliIo } from './io';
import { renderTable } from './table';

export const ACK_USAGE = `Usage: cert-watch ack <location> [--until <date>] [--reason <text>] [--by <name>] [--table <name> | --stack <name>]

Stops the lifecycle's reminders for the certificate at <location> (ACM ARN or host:port@address)
until <date> (YYYY-MM-DD or an ISO date-time), or until the certificate is renewed.
Entries into a higher tier and the expiry itself are still announced, marked acked.
${WATCHER_HELP}
Exit codes: 0 OK, 3 UNKNOWN (usage error, unknown location, AWS error).`;

export const UNACK_USAGE = `Usage: cert-watch unack <location> [--table <name> | --stack <name>]

Removes the acknowledgement: reminders resume with the next scan.
${WATCHER_HELP}
Exit codes: 0 OK, 3 UNKNOWN (usage error, unknown location, AWS error).`;

export const STATUS_USAGE = `Usage: cert-watch status [--json] [--all] [--table <name> | --stack <name>]

Lists the certificates the watcher tracks, with what it last announced.
  --all      include removed entries (kept for 30 days)
  --json     machine-readable output
${WATCHER_HELP}
Exit codes from the certificates not acknowledged: 0 OK, 1 WARNING, 2 CRITICAL or expired, 3 UNKNOWN.`;

/** What the commands need from the table (DynamoDbStateAdmin; tests may inject one on moto). */
export interface AckStore {
  setAck(location: string, ack: Ack | null): Promise<void>;
  list(): Promise<TrackedState[]>;
}

export interface AckOptions {
  readonly storeFor?: (tableName: string) => AckStore;
  readonly config?: LifecycleConfig;
  /** Lists the SSM parameters the watcher is found by (tests); defaults to SSM in AWS_REGION. */
  readonly parameters?: ParameterLister;
}

/** The state table's client: the standard credential chain in AWS_REGION (AWS_ENDPOINT_URL honoured). */
export const stateTableClient = (io: CliIo): DynamoDBClient =>
  new DynamoDBClient({ region: io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION });

const defaultStore = (io: CliIo) => (tableName: string) =>
  new DynamoDbStateAdmin({ tableName }, stateTableClient(io));

/**
 * `--until`: `YYYY-MM-DD` (midnight UTC) or an ISO date-time with its zone (`2027-01-01T09:00Z`,
 * `2027-01-01T09:00:00+02:00`), strictly (`parseIsoInstant`: `2027-01-01junk` and 2027-02-29 are
 * refused), and in the future.
 */
export const parseUntil = (raw: string, now: Date): Date => {
  let parsed: Date;
  try {
    parsed = parseIsoInstant(raw);
  } catch (error) {
    throw new UsageError(
      `--until must be a date (YYYY-MM-DD) or an ISO date-time with a zone: ${(error as Error).message}, got "${raw}"`,
    );
  }
  if (parsed.getTime() <= now.getTime()) {
    throw new UsageError(`--until must be in the future, got ${parsed.toISOString()}`);
  }
  return parsed;
};

const oneLocation = (positionals: string[], usage: string): string => {
  if (positionals.length !== 1 || !positionals[0]) {
    throw new UsageError(`exactly one location is required\n\n${usage}`);
  }
  return positionals[0];
};

const notTracked = (io: CliIo, error: unknown): number => {
  if (error instanceof NotTrackedError) {
    io.stderr.write(`cert-watch: ${error.message} (run "cert-watch status" to list tracked locations)\n`);
    return ExitCode.UNKNOWN;
  }
  throw error;
};

export const runAck = async (argv: string[], io: CliIo, options: AckOptions = {}): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      until: { type: 'string' },
      reason: { type: 'string' },
      by: { type: 'string' },
      ...WATCHER_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout.write(`${ACK_USAGE}\n`);
    return ExitCode.OK;
  }
  const now = io.now?.() ?? new Date();
  const location = oneLocation(positionals, ACK_USAGE);
  const table = await stateTableOf(io, values, options.parameters);
  const until = values.until === undefined ? undefined : parseUntil(values.until, now);
  const ack: Ack = {
    until: until?.toISOString(),
    reason: values.reason,
    by: values.by ?? io.env.USER,
    at: now.toISOString(),
  };
  try {
    validateAck(ack);
  } catch (error) {
    if (error instanceof InvalidAckError) throw new UsageError(`--${error.message}`);
    throw error;
  }
  const store = (options.storeFor ?? defaultStore(io))(table);
  try {
    await store.setAck(location, ack).catch(explainTableNotFound(io, values, table));
  } catch (error) {
    return notTracked(io, error);
  }
  io.stdout.write(
    `acknowledged ${location}: reminders stop ${until ? `until ${until.toISOString()}` : 'until renewal'}\n`,
  );
  return ExitCode.OK;
};

export const runUnack = async (argv: string[], io: CliIo, options: AckOptions = {}): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...WATCHER_OPTIONS, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.stdout.write(`${UNACK_USAGE}\n`);
    return ExitCode.OK;
  }
  const location = oneLocation(positionals, UNACK_USAGE);
  const table = await stateTableOf(io, values, options.parameters);
  const store = (options.storeFor ?? defaultStore(io))(table);
  try {
    await store.setAck(location, null).catch(explainTableNotFound(io, values, table));
  } catch (error) {
    return notTracked(io, error);
  }
  io.stdout.write(`acknowledgement removed for ${location}: reminders resume with the next scan\n`);
  return ExitCode.OK;
};

export interface StatusRow {
  readonly location: string;
  readonly domain: string;
  readonly notAfter: string | null;
  readonly daysRemaining: number | null;
  readonly severity: Severity;
  /** 'removed', 'missing', 'expired', 'tier', 'renewal-at-risk' or 'tracked'. */
  readonly state: string;
  readonly tierDays: number | null;
  readonly reminderCount: number;
  readonly lastTransition: string | null;
  readonly lastEmittedAt: string | null;
  readonly missingScans: number;
  readonly acked: boolean;
  readonly ack: Ack | null;
  readonly ticket: TrackedState['ticket'];
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  readonly removedAt: string | null;
}

export const statusRow = (s: TrackedState, now: Date, config: LifecycleConfig): StatusRow => {
  const record = recordFromDetail(s.certificate);
  const e = evaluate(record, now, config, s.lifetimeDays);
  const acked = isAcked(s, now);
  const state =
    s.removedAt !== null
      ? 'removed'
      : s.missingScans > 0
        ? 'missing'
        : s.alert.expired
          ? 'expired'
          : s.alert.tierDays !== null
            ? 'tier'
            : s.alert.risk !== null
              ? 'renewal-at-risk'
              : 'tracked';
  return {
    location: s.location,
    domain: s.certificate.domain,
    notAfter: s.notAfter,
    daysRemaining: e.daysRemaining,
    severity: e.severity,
    state,
    tierDays: s.alert.tierDays,
    reminderCount: s.alert.reminderCount,
    lastTransition: s.alert.lastTransition,
    lastEmittedAt: s.alert.lastEmittedAt,
    missingScans: s.missingScans,
    acked,
    ack: s.ack,
    ticket: s.ticket,
    firstSeenAt: s.firstSeenAt,
    lastSeenAt: s.lastSeenAt,
    removedAt: s.removedAt,
  };
};

const describeState = (r: StatusRow, config: LifecycleConfig): string => {
  switch (r.state) {
    case 'removed':
      return `removed ${r.removedAt?.slice(0, 10)}`;
    case 'missing':
      return `missing ${r.missingScans}/${config.removeAfterMissingScans} scans`;
    case 'expired':
      return `expired (${r.reminderCount} reminder${r.reminderCount === 1 ? '' : 's'})`;
    case 'tier':
      return `tier ${r.tierDays}d${r.reminderCount > 0 ? ` (${r.reminderCount} reminders)` : ''}`;
    default:
      return r.state;
  }
};

export const runStatus = async (argv: string[], io: CliIo, options: AckOptions = {}): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      all: { type: 'boolean' },
      ...WATCHER_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout.write(`${STATUS_USAGE}\n`);
    return ExitCode.OK;
  }
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument "${positionals[0]}"\n\n${STATUS_USAGE}`);
  const config = options.config ?? lifecycleConfig();
  const now = io.now?.() ?? new Date();
  const table = await stateTableOf(io, values, options.parameters);
  const store = (options.storeFor ?? defaultStore(io))(table);
  const rows = (await store.list().catch(explainTableNotFound(io, values, table)))
    .filter((s) => values.all || s.removedAt === null)
    .map((s) => statusRow(s, now, config));
  // Acknowledged certificates are known problems: they do not fail the check.
  const code = exitCodeFor(rows.filter((r) => !r.acked && r.removedAt === null).map((r) => r.severity));
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ now: now.toISOString(), certificates: rows }, null, 2)}\n`);
    return code;
  }
  if (rows.length === 0) {
    io.stdout.write('no tracked certificates\n');
    return code;
  }
  const listing = renderTable(
    ['LOCATION', 'DOMAIN', 'NOT AFTER', 'DAYS', 'SEVERITY', 'STATE', 'LAST EVENT', 'ACK'],
    rows.map((r) => [
      r.location,
      r.domain,
      r.notAfter?.slice(0, 10) ?? '-',
      r.daysRemaining === null ? '-' : String(r.daysRemaining),
      r.severity.toUpperCase(),
      describeState(r, config),
      r.lastTransition ? `${r.lastTransition} ${r.lastEmittedAt?.slice(0, 10) ?? ''}`.trim() : '-',
      r.acked
        ? `until ${r.ack?.until?.slice(0, 10) ?? 'renewal'}${r.ack?.reason ? `: ${r.ack.reason.slice(0, MAX_ACK_REASON_CHARS)}` : ''}`
        : '-',
    ]),
  );
  io.stdout.write(`${listing}\n`);
  const counted = rows.filter((r) => r.removedAt === null);
  io.stdout.write(
    `\n${counted.length} tracked, ${counted.filter((r) => r.acked).length} acknowledged, ${counted.filter((r) => r.severity === 'expired').length} expired\n`,
  );
  return code;
};
