/**
 * `cert-watch report`: the estate report of the deployed watcher, from its state table (found as
 * `status` finds it: --table, CERT_WATCH_TABLE, or the stack's SSM parameter). Every tracked
 * location not removed, graded now, with its lifecycle state, acknowledgement and ticket, and the
 * latest scan period's coverage. The table is read one Scan page at a time, each page turned into
 * report rows before the next is read. docs/reports.md.
 */
import { parseArgs } from 'node:util';
import { type LifecycleConfig, lifecycleConfig } from '../../lambda/lifecycle/model';
import { type EstateReader, readEstate } from '../../lambda/reports/read-estate';
import { ExitCode, exitCodeFor, UsageError } from './exit-codes';
import {
  explainTableNotFound,
  type ParameterLister,
  stateTableOf,
  WATCHER_HELP,
  WATCHER_OPTIONS,
} from './find-watcher';
import type { CliIo } from './io';
import {
  REPORT_FILE_OPTIONS,
  reportFileHelp,
  reportFilesOf,
  wantsReport,
  writeReportFilesListed,
} from './report-files';

export const REPORT_USAGE = `Usage: cert-watch report [--html <file>] [--csv <file>] [--json] [--table <name> | --stack <name>]

The estate report of the deployed watcher: every certificate it tracks (removed ones left out),
graded now, with its lifecycle state, acknowledgement and ticket, and the latest scan period's
coverage. At least one of --html, --csv, --json.
${reportFileHelp(21)}
  --json             print the report as JSON (docs/reports.md, "JSON") on stdout
${WATCHER_HELP}
Exit codes from the certificates not acknowledged: 0 OK, 1 WARNING, 2 CRITICAL or expired,
3 UNKNOWN (a file could not be written, AWS error, usage error).`;

/** What the command reads from the state table (tests inject fakes; defaults to DynamoDB). */
export type { EstateReader };

export interface ReportOptions {
  readonly readerFor?: (tableName: string) => EstateReader;
  readonly config?: LifecycleConfig;
  readonly parameters?: ParameterLister;
}

const dynamoDbReader = async (io: CliIo, tableName: string): Promise<EstateReader> => {
  const [{ DynamoDbStateAdmin }, { DynamoDbCoverageStore }, { stateTableClient }] = await Promise.all([
    import('../../lambda/sinks/state/state-admin'),
    import('../../lambda/sinks/state/coverage-store'),
    import('./ack'),
  ]);
  const client = stateTableClient(io);
  const admin = new DynamoDbStateAdmin({ tableName }, client);
  const coverage = new DynamoDbCoverageStore({ tableName }, client);
  return {
    pages: () => admin.pages(),
    currentPeriod: () => coverage.currentPeriod(),
    listCoverage: () => coverage.listCoverage(),
  };
};

export { readEstate };

export const runReport = async (argv: string[], io: CliIo, options: ReportOptions = {}): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...REPORT_FILE_OPTIONS,
      json: { type: 'boolean' },
      ...WATCHER_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout.write(`${REPORT_USAGE}\n`);
    return ExitCode.OK;
  }
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument "${positionals[0]}"\n\n${REPORT_USAGE}`);
  const files = await reportFilesOf(values);
  if (!wantsReport(files) && !values.json)
    throw new UsageError(`say what to write: --html <file>, --csv <file> or --json\n\n${REPORT_USAGE}`);
  const table = await stateTableOf(io, values, options.parameters);
  const reader = options.readerFor ? options.readerFor(table) : await dynamoDbReader(io, table);
  const now = io.now?.() ?? new Date();
  const { report, unacked } = await readEstate(
    reader,
    `state table ${table}`,
    now,
    options.config ?? lifecycleConfig(),
  ).catch(explainTableNotFound(io, values, table));
  if (values.json) io.stdout.write((await import('../../lambda/reports/json')).renderJson(report));
  const { code, written } = await writeReportFilesListed(files, () => report, io, exitCodeFor(unacked));
  // Only the files actually written: a file that could not be written is named on stderr instead.
  if (!values.json && wantsReport(written))
    io.stdout.write(
      `${report.certificates.length} certificates${written.html ? `, HTML in ${written.html}` : ''}${written.csv ? `, CSV in ${written.csv}` : ''}\n`,
    );
  return code;
};
