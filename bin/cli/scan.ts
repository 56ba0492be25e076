/**
 * `cert-watch scan <kind>`: the Lambda's inventory engine for one source kind of the registry
 * (lambda/sources/registry.ts), run locally with the standard AWS credential chain; `scan all`
 * runs every kind. `cert-watch scan file`: the same grading for certificates in PEM/DER files.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { lifetimeGrading, overallSeverity, type Thresholds } from '../../lambda/core/evaluate';
import type { ScopeReader } from '../../lambda/core/ports';
import { runScan, SCOPE_INCOMPLETE, type ScannedCertificate, type ScanResult } from '../../lambda/core/scan';
import { PemFileSource } from '../../lambda/sources/file/pem-file-source';
import { SOURCE_REGISTRY, type SourceContext, type SourceRegistry } from '../../lambda/sources/registry';
import { ExitCode, exitCodeFor, UsageError } from './exit-codes';
import type { CliIo } from './io';
import { REPORT_FILE_HELP, type ReportFiles, reportFilesOf, writeReportFiles } from './report-files';
import { SOURCE_SCAN_OPTIONS, selectSources, THRESHOLD_OPTIONS, thresholdsOf } from './scan-options';
import { daysCell, type LifetimeGraded, lifetimeGraded, lifetimeNotes, renderTable } from './table';

const GRADING_HELP = `  --warn-days <n>        warning window in days (default 30)
  --critical-days <n>    critical at or below this many days (default 7)
  --json                 machine-readable output
${REPORT_FILE_HELP}`;

/** `cert-watch scan <kind> --help`, from the registry's description of the kind. */
export const scanUsage = (kind: string, registry: SourceRegistry = SOURCE_REGISTRY): string => {
  const plugin = registry[kind];
  const regional = kind === 'all' || plugin?.regional;
  return `Usage: cert-watch scan ${kind} ${regional ? '[--regions a,b] ' : ''}[--option key=value]... [--warn-days N] [--critical-days N] [--json] [--html F] [--csv F]

${kind === 'all' ? 'Every source kind this build knows, in one run.' : `Lists ${plugin?.summary ?? kind} and grades its expiry.`}
${regional ? '  --regions <list>       comma-separated regions (default: AWS_REGION / AWS_DEFAULT_REGION)\n' : ''}  --option key=value     a source option (docs/sources.md), repeatable
${GRADING_HELP}
  --org | --accounts <ids>  every account of an organization, or a list of accounts
                         (see "cert-watch scan ${kind} --org --help")
Credentials come from the standard AWS chain; AWS_ENDPOINT_URL points it at another endpoint.
Exit codes: 0 OK, 1 WARNING, 2 CRITICAL or expired, 3 UNKNOWN (a scope could not be listed).`;
};

export const SCAN_FILE_USAGE = `Usage: cert-watch scan file [--warn-days N] [--critical-days N] [--json] [--html F] [--csv F] <file>...

Grades every certificate in PEM bundles or DER files. Malformed blocks are reported and skipped.
${GRADING_HELP}
Exit codes: 0 OK, 1 WARNING, 2 CRITICAL or expired, 3 UNKNOWN (a file or block could not be read).`;

/** `cert-watch scan --help`: the scan subcommands. */
export const scanCommandsUsage = (registry: SourceRegistry = SOURCE_REGISTRY): string =>
  [
    'Usage: cert-watch scan <source> [options]',
    '',
    'Sources:',
    ...Object.entries(registry).map(([kind, p]) => `  ${kind.padEnd(10)} ${p.summary}`),
    `  ${'all'.padEnd(10)} every source above in one run`,
    `  ${'file'.padEnd(10)} certificates in PEM bundles or DER files`,
    '',
    'Every account of an AWS Organization: add --org (or --accounts <ids>); see',
    '"cert-watch scan <source> --org --help".',
    '',
    'Run "cert-watch scan <source> --help" for its options.',
  ].join('\n');

export interface ScanSourceOptions {
  /** Defaults to the production registry. */
  readonly registry?: SourceRegistry;
  /** Endpoint and credentials for the sources' clients (tests); defaults to the standard chain. */
  readonly context?: SourceContext;
  /** The caller's account, for scope keys; defaults to STS GetCallerIdentity. */
  readonly account?: () => Promise<string>;
}

/** The caller's account id; 'unknown' when STS cannot say (ACM then reports the real error per region). */
const callerAccount = async (region: string): Promise<string> => {
  const sts = new STSClient({ region });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Account ?? 'unknown';
  } catch {
    return 'unknown';
  } finally {
    sts.destroy();
  }
};

export const toJson = (result: ScanResult) => ({
  scanId: result.scanId,
  certificates: result.certificates.map(({ record: r, evaluation: e }) => ({
    source: r.source,
    id: r.id,
    region: r.region ?? null,
    domain: r.domain,
    sans: r.sans,
    notBefore: r.notBefore?.toISOString() ?? null,
    notAfter: r.notAfter?.toISOString() ?? null,
    daysRemaining: e.daysRemaining,
    hoursRemaining: e.hoursRemaining,
    // The overall verdict (a notBefore in the future is critical); the expiry alone beside it.
    severity: overallSeverity(e),
    expirySeverity: e.severity,
    tierDays: e.tierDays,
    // Graded by its lifetime (a short-lived certificate), as in the report's JSON; null otherwise.
    shortLived: lifetimeGrading(r, e) ?? null,
    type: r.type,
    keyAlgorithm: r.keyAlgorithm ?? null,
    inUse: r.inUse ?? null,
    inUseBy: r.inUseBy ?? null,
    status: r.status ?? null,
    renewalEligibility: r.renewalEligibility ?? null,
    renewalStatus: r.renewalStatus ?? null,
    renewalRisk: e.renewalRisk,
    renewalReason: r.renewalReason ?? null,
    issuer: r.issuer ?? null,
    account: r.account ?? null,
  })),
  errors: [
    ...result.scopesFailed.map((f) => ({
      scope: f.scope.key,
      ...(f.scope.region ? { region: f.scope.region } : {}),
      code: f.code,
      message: f.message,
    })),
    ...result.itemErrors.map((f) => ({ item: f.item, code: f.code, message: f.message })),
  ],
  counts: result.counts,
});

const SEVERITY_LABEL = { ok: 'OK', warning: 'WARNING', critical: 'CRITICAL', expired: 'EXPIRED' } as const;

/** Columns only some stores fill in. */
const STORE_COLUMNS = new Set(['REGION', 'IN USE', 'STATUS']);

/** A certificate's account, for the ACCOUNT columns of an organization scan. */
export type AccountOfCertificate = (c: ScannedCertificate) => { readonly id: string; readonly name?: string };

/**
 * The certificate table (sorted as the scan sorted it) and the renewal-risk notes under it;
 * with `accountOf`, ACCOUNT and ACCOUNT NAME columns before REGION.
 */
export const certificateLines = (
  certificates: readonly ScannedCertificate[],
  accountOf?: AccountOfCertificate,
): string[] => {
  const rows = certificates.map((c) => {
    const { record: r, evaluation: e } = c;
    const account = accountOf?.(c);
    return [
      SEVERITY_LABEL[overallSeverity(e)] + (e.renewalRisk ? '*' : ''),
      daysCell(e.daysRemaining, e.hoursRemaining),
      r.notAfter ? r.notAfter.toISOString().slice(0, 16).replace('T', ' ') : '-',
      r.domain || '(no domain)',
      r.type,
      r.keyAlgorithm ?? '-',
      ...(account ? [account.id, account.name ?? '-'] : []),
      r.region ?? '-',
      r.inUse === undefined ? '-' : r.inUse ? 'yes' : 'no',
      r.status ?? '-',
      r.source === 'acm' ? r.id.replace(/^arn:[^:]+:acm:[^:]+:\d+:certificate\//, '') : r.id,
    ];
  });
  const header = [
    'SEVERITY',
    'DAYS',
    'NOT AFTER (UTC)',
    'DOMAIN',
    'TYPE',
    'KEY',
    ...(accountOf ? ['ACCOUNT', 'ACCOUNT NAME'] : []),
    'REGION',
    'IN USE',
    'STATUS',
    'ID',
  ];
  // Columns a store does not have (files: no region, use or status) are left out rather than all '-'.
  const shown = header.map((h, i) => !STORE_COLUMNS.has(h) || rows.some((row) => row[i] !== '-'));
  const pick = <T>(cells: readonly T[]): T[] => cells.filter((_, i) => shown[i]);
  const lines = [rows.length === 0 ? 'No certificates found.' : renderTable(pick(header), rows.map(pick))];
  const risky = certificates.filter((c) => c.evaluation.renewalRisk);
  if (risky.length > 0) {
    lines.push('', '* managed renewal at risk:');
    for (const c of risky)
      lines.push(
        `  ${c.record.domain}: ${c.evaluation.renewalRisk}${c.record.renewalReason ? ` (${c.record.renewalReason})` : ''}`,
      );
  }
  lines.push(
    ...lifetimeNotes(
      certificates
        .map((c) => lifetimeGraded(c.record.domain || c.record.id, c.record, c.evaluation))
        .filter((g): g is LifetimeGraded => g !== undefined),
    ),
  );
  return lines;
};

/** `<code>: <message>` unless the message already starts with its code. */
export const errorDetail = (code: string, message: string): string =>
  message.startsWith(code) ? message : `${code}: ${message}`;

export const toTable = (result: ScanResult, scopeNoun = 'region'): string => {
  const lines = certificateLines(result.certificates);
  const c = result.counts;
  lines.push(
    '',
    `${c.total} certificate(s): ${c.expired} expired, ${c.critical} critical, ${c.warning} warning, ${c.ok} ok` +
      ` in ${result.scopesScanned.length + result.scopesFailed.length} ${scopeNoun}(s)` +
      (result.scopesFailed.length ? ` (${result.scopesFailed.length} not listed completely)` : ''),
  );
  for (const f of result.scopesFailed) {
    // A region alone is ambiguous across sources: name the scope then.
    const name = scopeNoun === 'scope' ? f.scope.key : f.scope.label;
    const what = f.code === SCOPE_INCOMPLETE ? 'was listed only partly' : 'could not be read';
    lines.push(`UNKNOWN: ${scopeNoun} ${name} ${what}: ${errorDetail(f.code, f.message)}`);
  }
  for (const f of result.itemErrors) lines.push(`UNKNOWN: ${f.item}: ${errorDetail(f.code, f.message)}`);
  return `${lines.join('\n')}\n`;
};

/** The scan's output, then any report file; the exit code is the scan's unless a file cannot be written. */
const scanAndPrint = async (
  sources: ScopeReader[],
  thresholds: Thresholds,
  output: { readonly json: boolean; readonly files: ReportFiles; readonly origin: string },
  scopeNoun: string,
  io: CliIo,
): Promise<number> => {
  const now = io.now?.() ?? new Date();
  const result = await runScan(sources, { scanId: randomUUID(), now, thresholds });
  io.stdout.write(output.json ? `${JSON.stringify(toJson(result), null, 2)}\n` : toTable(result, scopeNoun));
  const code = exitCodeFor([
    ...result.certificates.map((c) => overallSeverity(c.evaluation)),
    ...result.scopesFailed.map(() => 'error' as const),
    ...result.itemErrors.map(() => 'error' as const),
  ]);
  return writeReportFiles(
    output.files,
    async () => (await import('../../lambda/reports/from-scan')).reportFromScan(result, output.origin, now),
    io,
    code,
  );
};

/** `cert-watch scan <kind>` (or `all`): every scope of the kind(s) in the caller's account. */
export const runScanSource = async (
  kind: string,
  argv: string[],
  io: CliIo,
  options: ScanSourceOptions = {},
): Promise<number> => {
  const registry = options.registry ?? SOURCE_REGISTRY;
  const { values } = parseArgs({
    args: argv,
    options: SOURCE_SCAN_OPTIONS,
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout.write(`${scanUsage(kind, registry)}\n`);
    return ExitCode.OK;
  }
  const { kinds, regional, regions, sources, thresholds } = selectSources(
    kind,
    values,
    io,
    registry,
    options.context,
  );
  const files = await reportFilesOf(values);
  const account = await (
    options.account ?? (() => callerAccount(regions?.[0] ?? io.env.AWS_REGION ?? 'us-east-1'))
  )();
  const readers: ScopeReader[] = sources.flatMap((src) => src.scopes(account).map((s) => src.reader(s)));
  return scanAndPrint(
    readers,
    thresholds,
    { json: values.json, files, origin: `cert-watch scan ${kind}` },
    kinds.length === 1 && regional ? 'region' : 'scope',
    io,
  );
};

export const runScanFiles = async (argv: string[], io: CliIo): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: argv,
    options: THRESHOLD_OPTIONS,
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout.write(`${SCAN_FILE_USAGE}\n`);
    return ExitCode.OK;
  }
  if (positionals.length === 0) throw new UsageError('no file given: cert-watch scan file <file>...');
  const thresholds = thresholdsOf(values);
  const files = await reportFilesOf(values);
  return scanAndPrint(
    [...new Set(positionals)].map((f) => new PemFileSource(f)),
    thresholds,
    { json: values.json, files, origin: 'cert-watch scan file' },
    'file',
    io,
  );
};
