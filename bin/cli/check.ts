/**
 * `cert-watch check [options] <host[:port]>...`: probes endpoints the way their clients see them
 * and prints a table (or JSON), with Nagios exit codes so it drops into CI and monitoring.
 */
import { parseArgs } from 'node:util';
import { DISCOVERY_KINDS } from '../../lambda/contracts/discovery';
import {
  formatProbeTarget,
  parseStarttls,
  parseTargetSpec,
  type TargetDefaults,
  TargetParseError,
} from '../../lambda/contracts/endpoints';
import { InvalidThresholdsError, thresholdsFromWindow } from '../../lambda/core/evaluate';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_TIMEOUT_MS,
  InvalidTargetError,
  probeAll,
} from '../../lambda/sources/endpoint/probe';
import { InvalidCaBundleError, parsePemBundle } from '../../lambda/sources/endpoint/trust';
import type { EndpointTarget, ProbeResult, Resolve } from '../../lambda/sources/endpoint/types';
import { VERDICT_RANK, type Verdict, verdictOf } from '../../lambda/sources/endpoint/verdict';
import { InputFileError, readTextBounded } from '../../lambda/sources/file/bounded-read';
import type { DiscoverDeps } from './discover';
import { ExitCode, exitCodeFor, UsageError, usageMessageOf } from './exit-codes';
import { reportFileHelp, reportFilesOf, writeReportFiles } from './report-files';
import {
  daysCell,
  type LifetimeGraded,
  lifetimeGraded,
  lifetimeNotes,
  renderTable,
  terminalSafe,
} from './table';

export interface CheckIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly now?: () => Date;
  /** AWS_REGION and the credential chain's variables, for --discover. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** --discover in tests: the emulator's endpoint, and names mapped to local servers. */
  readonly discovery?: DiscoverDeps & { readonly resolve?: Resolve };
}

export const CHECK_USAGE = `Usage: cert-watch check [options] <host[:port]>...

Probes TLS endpoints (every address of each name) and reports the certificate chain each serves.

Options:
  --starttls <proto>      smtp, imap, pop3, ftp, ldap, postgres, mysql, xmpp or none
                          (default: by well-known port, e.g. 25/587 smtp, 5432 postgres)
  --servername <name>     SNI and name to check (default: the host; no SNI for IP addresses)
  --timeout <ms>          deadline per address: connect + STARTTLS + handshake (default ${DEFAULT_TIMEOUT_MS})
  --warn-days <n>         warning window in days (default 30)
  --critical-days <n>     critical at or below this many days (default 7); certificates living
                          60 days or less are graded at 33 % / 10 % of their lifetime instead
  --ca-file <pem>         extra trusted CA certificates (PEM), besides Node's root store
  --concurrency <n>       targets probed at once (default ${DEFAULT_CONCURRENCY})
  --file <path>           targets file: host[:port] per line (# comments), or a JSON/YAML list
  --discover              also probe the endpoints \`cert-watch discover\` finds (load balancers,
                          CloudFront, API Gateway, tagged certificates), each SNI name at the
                          resource's address; with --regions a,b (default AWS_REGION) and
                          --kinds k,.. (${DISCOVERY_KINDS.join(', ')}; default all)
  --no-aia                do not fetch a missing intermediate from its AIA caIssuers URL (http)
                          to say whether an incomplete chain is fixable (fetched by default)
  --no-dual               do not look for an RSA certificate beside an ECDSA one (a server holding
                          both): saves the second handshake made after each ECDSA certificate
  --allow-link-local      accept 169.254.0.0/16 and fe80::/10 targets, and names resolving there
                          (refused by default: instance metadata services answer there)
  --not-deployed-grace <hours>
                          targets that say what their resource is configured with ('expected'):
                          hours a newer stored certificate may go unserved before
                          CERTIFICATE_NOT_DEPLOYED (default 24)
  --json                  machine-readable output
${reportFileHelp(26)}
  -h, --help              show this help

Targets: host, host:port, [2001:db8::1]:443. Default port 443 (or the STARTTLS protocol's port).
Exit codes: 0 OK, 1 WARNING, 2 CRITICAL (expired, critical or broken chain), 3 UNKNOWN
(a target could not be checked, or a usage error). CRITICAL outranks UNKNOWN.
`;

const positiveInt = (value: string | undefined, option: string, fallback: number): number => {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) <= 0) {
    throw new UsageError(`${option} must be a positive whole number, got '${value}'`);
  }
  return Number(value);
};

/** A whole number of days, at least `min`. */
const wholeDays = (value: string | undefined, option: string, fallback: number, min: number): number => {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min)
    throw new UsageError(`${option} must be a whole number of days (${min} or more), got '${value}'`);
  return Number(value);
};

/** Bounded by the bytes read and a deadline (devices and FIFOs report size 0): lambda/sources/file/bounded-read.ts. */
const readText = async (path: string, option: string): Promise<string> => {
  try {
    return await readTextBounded(path, { what: option });
  } catch (err) {
    if (err instanceof InputFileError) throw new UsageError(err.message);
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${option} ${path}: ${code ?? (err as Error).message}`);
  }
};

/** The certificate the verdict judged (the one that expires first on the path), graded by its lifetime. */
const lifetimeGradedOf = (r: ProbeResult): LifetimeGraded | undefined => {
  const judged = r.path?.[r.earliestExpiry?.index ?? 0];
  if (!r.evaluation || !judged) return undefined;
  const role = r.earliestExpiry && r.earliestExpiry.role !== 'leaf' ? ` ${r.earliestExpiry.role}` : '';
  return lifetimeGraded(
    `${formatProbeTarget(r)} (${r.address ?? 'no address'})${r.variant ? ` [${r.variant}]` : ''}${role}`,
    { notBefore: new Date(judged.notBefore), notAfter: new Date(judged.notAfter) },
    r.evaluation,
  );
};

const renderResults = (results: readonly ProbeResult[]): string => {
  const sorted = [...results].sort(
    (a, b) =>
      VERDICT_RANK[verdictOf(b)] - VERDICT_RANK[verdictOf(a)] ||
      (a.daysRemaining ?? Number.POSITIVE_INFINITY) - (b.daysRemaining ?? Number.POSITIVE_INFINITY) ||
      a.target.localeCompare(b.target),
  );
  const rows = sorted.map((r) => [
    verdictOf(r).toUpperCase(),
    // People read the Unicode form of an internationalised name beside the A-labels used on the wire;
    // a dual-certificate server's second certificate is marked with its key family.
    `${r.displayName ? `${formatProbeTarget(r)} (${r.displayName})` : formatProbeTarget(r)}${r.variant ? ` [${r.variant}]` : ''}`,
    r.address ?? '-',
    daysCell(r.daysRemaining, r.hoursRemaining),
    r.notAfter ? r.notAfter.slice(0, 10) : '-',
    r.tlsVersion ?? '-',
    r.leaf?.subject ?? '-',
    r.error ? r.error.code : r.problems.map((p) => p.code).join(',') || '-',
  ]);
  const out = [
    renderTable(['VERDICT', 'TARGET', 'ADDRESS', 'DAYS', 'EXPIRES', 'TLS', 'SUBJECT', 'PROBLEMS'], rows),
  ];
  const details = sorted.flatMap((r) => [
    ...(r.error
      ? [`  ${formatProbeTarget(r)} (${r.address ?? 'no address'}): ${r.error.code}: ${r.error.message}`]
      : []),
    ...r.problems.map((p) => `  ${formatProbeTarget(r)} (${r.address}): ${p.code}: ${p.message}`),
    ...(r.earliestExpiry && r.earliestExpiry.role !== 'leaf'
      ? [
          `  ${formatProbeTarget(r)} (${r.address}): earliest expiry is ${r.earliestExpiry.role} '${r.earliestExpiry.subject}'`,
        ]
      : []),
  ]);
  if (details.length > 0) out.push('', 'Details:', ...details.map(terminalSafe));
  out.push(...lifetimeNotes(sorted.flatMap((r) => lifetimeGradedOf(r) ?? [])));
  const counts = new Map<Verdict, number>();
  for (const r of results) counts.set(verdictOf(r), (counts.get(verdictOf(r)) ?? 0) + 1);
  const summary = (['ok', 'warning', 'critical', 'expired', 'error'] as const)
    .filter((v) => counts.has(v))
    .map((v) => `${counts.get(v)} ${v}`)
    .join(', ');
  out.push('', `${results.length} result${results.length === 1 ? '' : 's'}: ${summary}`);
  return `${out.join('\n')}\n`;
};

const toJson = (results: readonly ProbeResult[]): string =>
  `${JSON.stringify(
    {
      results: results.map((r) => {
        const { record: _record, evaluation: _evaluation, ...rest } = r;
        const graded = lifetimeGradedOf(r);
        return {
          ...rest,
          verdict: verdictOf(rest as ProbeResult),
          // Graded by its lifetime (a short-lived certificate), as in the report's JSON; null otherwise.
          shortLived: graded
            ? {
                lifetimeDays: graded.lifetimeDays,
                warningDays: graded.warningDays,
                criticalDays: graded.criticalDays,
              }
            : null,
        };
      }),
    },
    null,
    2,
  )}\n`;

const progressBar = (stderr: CheckIo['stderr'], total: number) => {
  const width = 30;
  return {
    update: (done: number) => {
      const filled = Math.round((done / total) * width);
      stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
    },
    clear: () => stderr.write(`\r${' '.repeat(width + 24)}\r`),
  };
};

const PROGRESS_MIN_TARGETS = 20;

/** Runs `cert-watch check`; returns the exit code and never throws for user errors. */
export const runCheck = async (argv: string[], io: CheckIo): Promise<number> => {
  const fail = (message: string): number => {
    io.stderr.write(`cert-watch check: ${message}\nTry 'cert-watch check --help'.\n`);
    return ExitCode.UNKNOWN;
  };
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    return fail(usageMessageOf(err, 'cert-watch check') ?? (err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(CHECK_USAGE);
    return ExitCode.OK;
  }
  try {
    const defaults: TargetDefaults = {
      ...(values.starttls !== undefined ? { starttls: parseStarttls(values.starttls) } : {}),
      ...(values.servername !== undefined ? { servername: values.servername } : {}),
      ...(values['allow-link-local'] ? { allowLinkLocal: true } : {}),
    };
    const targets: EndpointTarget[] = positionals.map((p) => parseTargetSpec(p, defaults));
    if (values.file !== undefined)
      // Loaded only for --file: its YAML parser is a third of check's start-up (docs/benchmarks.md).
      targets.push(
        ...(await import('../../lambda/contracts/endpoints-file')).parseTargetsFile(
          await readText(values.file, '--file'),
          values.file,
          defaults,
        ),
      );
    if (values.regions !== undefined && !values.discover) throw new UsageError('--regions needs --discover');
    if (values.kinds !== undefined && !values.discover) throw new UsageError('--kinds needs --discover');
    let discoveryFailed = false;
    if (values.discover) {
      // Loaded only for --discover: the AWS SDK clients stay out of a plain check's start-up.
      const { discoverAccount, reportProblems } = await import('./discover');
      const found = await discoverAccount(
        { regions: values.regions, kinds: values.kinds },
        { env: io.env ?? process.env },
        io.discovery,
      );
      reportProblems(found, io.stderr);
      discoveryFailed = found.failedScopes.length > 0;
      targets.push(...found.targets);
    }
    if (targets.length === 0)
      throw new UsageError(
        values.discover
          ? 'discovery found no endpoint to probe'
          : 'no targets: give host[:port] arguments or --file',
      );

    const timeoutMs = positiveInt(values.timeout, '--timeout', DEFAULT_TIMEOUT_MS);
    const concurrency = positiveInt(values.concurrency, '--concurrency', DEFAULT_CONCURRENCY);
    // A warning window of 0 days would be no warning at all: at least 1.
    const warnDays = wholeDays(values['warn-days'], '--warn-days', 30, 1);
    const criticalDays = wholeDays(values['critical-days'], '--critical-days', 7, 0);
    const grace = values['not-deployed-grace'];
    if (grace !== undefined && !/^\d+(\.\d+)?$/.test(grace))
      throw new UsageError(`--not-deployed-grace must be a number of hours (0 or more), got '${grace}'`);
    if (criticalDays > warnDays) {
      throw new UsageError(`--critical-days (${criticalDays}) must not exceed --warn-days (${warnDays})`);
    }
    const thresholds = thresholdsFromWindow(warnDays, criticalDays);
    let caPems: string[] = [];
    if (values['ca-file'] !== undefined) {
      const pem = await readText(values['ca-file'], '--ca-file');
      parsePemBundle(pem, `--ca-file ${values['ca-file']}`);
      caPems = [pem];
    }

    const files = await reportFilesOf(values);
    const bar =
      io.stderr.isTTY && targets.length > PROGRESS_MIN_TARGETS
        ? progressBar(io.stderr, targets.length)
        : undefined;
    const results = await probeAll(targets, {
      timeoutMs,
      concurrency,
      thresholds,
      caPems,
      fetchMissingIssuers: !values['no-aia'],
      dualCertificates: !values['no-dual'],
      allowLinkLocal: values['allow-link-local'] ?? false,
      ...(grace !== undefined ? { notDeployedGraceHours: Number(grace) } : {}),
      ...(io.now ? { now: io.now } : {}),
      ...(io.discovery?.resolve ? { resolve: io.discovery.resolve } : {}),
      ...(bar ? { onProgress: (done: number) => bar.update(done) } : {}),
    });
    bar?.clear();
    io.stdout.write(values.json ? toJson(results) : renderResults(results));
    const now = io.now?.() ?? new Date();
    return writeReportFiles(
      files,
      async () =>
        (await import('../../lambda/reports/from-scan')).reportFromProbes(
          results.map((r) => ({ ...r, verdict: verdictOf(r) })),
          'cert-watch check',
          now,
        ),
      io,
      // A region or account discovery could not read is UNKNOWN at least: its endpoints went unprobed.
      exitCodeFor([...results.map(verdictOf), ...(discoveryFailed ? (['error'] as const) : [])]),
    );
  } catch (err) {
    if (
      err instanceof UsageError ||
      err instanceof TargetParseError ||
      err instanceof InvalidCaBundleError ||
      err instanceof InvalidThresholdsError ||
      err instanceof InvalidTargetError
    ) {
      return fail(err.message);
    }
    io.stderr.write(`cert-watch check: unexpected error: ${(err as Error).message ?? String(err)}\n`);
    return ExitCode.UNKNOWN;
  }
};

const parse = (argv: string[]) =>
  parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      starttls: { type: 'string' },
      servername: { type: 'string' },
      timeout: { type: 'string' },
      'warn-days': { type: 'string' },
      'critical-days': { type: 'string' },
      'ca-file': { type: 'string' },
      concurrency: { type: 'string' },
      file: { type: 'string' },
      discover: { type: 'boolean' },
      regions: { type: 'string' },
      kinds: { type: 'string' },
      'allow-link-local': { type: 'boolean' },
      'no-aia': { type: 'boolean' },
      'no-dual': { type: 'boolean' },
      'not-deployed-grace': { type: 'string' },
      json: { type: 'boolean' },
      html: { type: 'string' },
      csv: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
