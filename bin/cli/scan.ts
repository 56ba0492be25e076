/**
 * `cert-watch scan acm`: the Lambda's inventory engine, run locally with the standard AWS credential chain.
 * `cert-watch scan file`: the same grading for certificates in PEM/DER files (CI pipelines, servers' disks).
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { ACMClient } from '@aws-sdk/client-acm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type Thresholds, thresholdsFromWindow } from '../../lambda/core/evaluate';
import type { ScopeReader } from '../../lambda/core/ports';
import { runScan, type ScanResult } from '../../lambda/core/scan';
import { AcmSource } from '../../lambda/sources/acm/acm-source';
import { PemFileSource } from '../../lambda/sources/file/pem-file-source';
import { ExitCode, exitCodeFor, UsageError } from './exit-codes';
import type { CliIo } from './io';
import { renderTable } from './table';

export const SCAN_ACM_USAGE = `Usage: cert-watch scan acm [--regions a,b] [--warn-days N] [--critical-days N] [--json]

Lists every ACM certificate (all statuses and key types) in each region and grades its expiry.
  --regions <list>       comma-separated regions (default: AWS_REGION / AWS_DEFAULT_REGION)
  --warn-days <n>        warning window in days (default 30)
  --critical-days <n>    critical at or below this many days (default 7)
  --json                 machine-readable output
Credentials come from the standard AWS chain; AWS_ENDPOINT_URL points it at another endpoint.
Exit codes: 0 OK, 1 WARNING, 2 CRITICAL or expired, 3 UNKNOWN (a region could not be listed).`;

export const SCAN_FILE_USAGE = `Usage: cert-watch scan file [--warn-days N] [--critical-days N] [--json] <file>...

Grades every certificate in PEM bundles or DER files. Malformed blocks are reported and skipped.
  --warn-days <n>        warning window in days (default 30)
  --critical-days <n>    critical at or below this many days (default 7)
  --json                 machine-readable output
Exit codes: 0 OK, 1 WARNING, 2 CRITICAL or expired, 3 UNKNOWN (a file or block could not be read).`;

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

const positiveInt = (name: string, raw: string | undefined, fallback: number): number => {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`--${name} must be a whole number of days, got "${raw}"`);
  return n;
};

export interface ScanAcmOptions {
  /** Client factory, for tests; defaults to the standard chain per region. */
  readonly acmFor?: (region: string) => ACMClient;
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
    severity: e.severity,
    tierDays: e.tierDays,
    type: r.type,
    keyAlgorithm: r.keyAlgorithm ?? null,
    inUse: r.inUse ?? null,
    inUseBy: r.inUseBy ?? null,
    status: r.status ?? null,
    renewalEligibility: r.renewalEligibility ?? null,
    renewalStatus: r.renewalStatus ?? null,
    renewalRisk: e.renewalRisk,
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

export const toTable = (result: ScanResult, scopeNoun = 'region'): string => {
  const rows = result.certificates.map(({ record: r, evaluation: e }) => [
    SEVERITY_LABEL[e.severity] + (e.renewalRisk ? '*' : ''),
    e.daysRemaining === null ? '-' : String(e.daysRemaining),
    r.notAfter ? r.notAfter.toISOString().slice(0, 16).replace('T', ' ') : '-',
    r.domain || '(no domain)',
    r.type,
    r.keyAlgorithm ?? '-',
    r.region ?? '-',
    r.inUse === undefined ? '-' : r.inUse ? 'yes' : 'no',
    r.status ?? '-',
    r.source === 'acm' ? r.id.replace(/^arn:[^:]+:acm:[^:]+:\d+:certificate\//, '') : r.id,
  ]);
  const lines = [
    rows.length === 0
      ? 'No certificates found.'
      : renderTable(
          [
            'SEVERITY',
            'DAYS',
            'NOT AFTER (UTC)',
            'DOMAIN',
            'TYPE',
            'KEY',
            'REGION',
            'IN USE',
            'STATUS',
            'ID',
          ],
          rows,
        ),
  ];
  const risky = result.certificates.filter((c) => c.evaluation.renewalRisk);
  if (risky.length > 0) {
    lines.push('', '* managed renewal at risk:');
    for (const c of risky)
      lines.push(
        `  ${c.record.domain}: ${c.evaluation.renewalRisk}${c.record.renewalReason ? ` (${c.record.renewalReason})` : ''}`,
      );
  }
  const c = result.counts;
  lines.push(
    '',
    `${c.total} certificate(s): ${c.expired} expired, ${c.critical} critical, ${c.warning} warning, ${c.ok} ok` +
      ` in ${result.scopesScanned.length} ${scopeNoun}(s)`,
  );
  const detail = (code: string, message: string) =>
    message.startsWith(code) ? message : `${code}: ${message}`;
  for (const f of result.scopesFailed) {
    lines.push(`UNKNOWN: ${scopeNoun} ${f.scope.label} could not be read: ${detail(f.code, f.message)}`);
  }
  for (const f of result.itemErrors) lines.push(`UNKNOWN: ${f.item}: ${detail(f.code, f.message)}`);
  return `${lines.join('\n')}\n`;
};

const THRESHOLD_OPTIONS = {
  'warn-days': { type: 'string' },
  'critical-days': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const thresholdsOf = (values: { 'warn-days'?: string; 'critical-days'?: string }): Thresholds => {
  const warn = positiveInt('warn-days', values['warn-days'], 30);
  const critical = positiveInt('critical-days', values['critical-days'], 7);
  if (critical > warn)
    throw new UsageError(`--critical-days (${critical}) must not exceed --warn-days (${warn})`);
  return thresholdsFromWindow(warn, critical);
};

const scanAndPrint = async (
  sources: ScopeReader[],
  thresholds: Thresholds,
  json: boolean,
  scopeNoun: string,
  io: CliIo,
): Promise<number> => {
  const now = io.now?.() ?? new Date();
  const result = await runScan(sources, { scanId: randomUUID(), now, thresholds });
  io.stdout.write(json ? `${JSON.stringify(toJson(result), null, 2)}\n` : toTable(result, scopeNoun));
  return exitCodeFor([
    ...result.certificates.map((c) => c.evaluation.severity),
    ...result.scopesFailed.map(() => 'error' as const),
    ...result.itemErrors.map(() => 'error' as const),
  ]);
};

export const runScanAcm = async (
  argv: string[],
  io: CliIo,
  options: ScanAcmOptions = {},
): Promise<number> => {
  const { values } = parseArgs({
    args: argv,
    options: { regions: { type: 'string' }, ...THRESHOLD_OPTIONS },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout.write(`${SCAN_ACM_USAGE}\n`);
    return ExitCode.OK;
  }
  const regionList = values.regions ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  if (!regionList)
    throw new UsageError('no region given: pass --regions eu-west-1,us-east-1 or set AWS_REGION');
  const regions = [
    ...new Set(
      regionList
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
    ),
  ];
  for (const r of regions)
    if (!REGION.test(r)) throw new UsageError(`"${r}" is not an AWS region name (e.g. eu-west-1)`);
  const thresholds = thresholdsOf(values);
  const account = await (options.account ?? (() => callerAccount(regions[0]!)))();
  const acm = new AcmSource(regions, options.acmFor);
  return scanAndPrint(
    acm.scopes(account).map((s) => acm.reader(s)),
    thresholds,
    values.json,
    'region',
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
  return scanAndPrint(
    [...new Set(positionals)].map((f) => new PemFileSource(f)),
    thresholds,
    values.json,
    'file',
    io,
  );
};
