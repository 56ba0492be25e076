/**
 * Nagios plugin exit codes, so `cert-watch` drops into CI pipelines and existing monitoring.
 * A known critical or expired certificate outranks "could not check", which outranks a warning:
 * a failed region must never hide behind a mere warning, and nothing hides an expiry.
 */
import type { Severity } from '../../lambda/core/evaluate';

export const ExitCode = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const exitCodeFor = (severities: Iterable<Severity | 'error'>): ExitCode => {
  let critical = false;
  let unknown = false;
  let warning = false;
  for (const s of severities) {
    if (s === 'critical' || s === 'expired') critical = true;
    else if (s === 'error') unknown = true;
    else if (s === 'warning') warning = true;
  }
  if (critical) return ExitCode.CRITICAL;
  if (unknown) return ExitCode.UNKNOWN;
  if (warning) return ExitCode.WARNING;
  return ExitCode.OK;
};

/** Usage errors and unexpected failures: the check could not run. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const ORG_OPTIONS = ['--org', '--accounts', '--ou', '--exclude', '--role-name'];

/**
 * A usage mistake in words (`undefined` for other failures): node:util parseArgs' errors
 * (`ERR_PARSE_ARGS_*`) lose their advice about positionals, which does not apply here.
 */
export const usageMessageOf = (error: unknown, command: string): string | undefined => {
  if (error instanceof UsageError) return error.message;
  const code = (error as { code?: string } | null)?.code ?? '';
  if (!code.startsWith('ERR_PARSE_ARGS')) return undefined;
  const text = error instanceof Error ? error.message : String(error);
  const option = /^Unknown option '([^']+)'/.exec(text)?.[1];
  if (option && command === 'cert-watch scan file' && ORG_OPTIONS.includes(option))
    return `${option} does not apply to scan file: it reads local files (organization options are for scan <source>)`;
  if (option && command === 'cert-watch check' && ORG_OPTIONS.includes(option))
    return `${option} does not apply to check: check --discover probes the caller's account's endpoints (cert-watch discover --org lists every account's)`;
  if (option) return `unknown option ${option}`;
  const missing = /^Option '([^' ]+)[^']*' argument missing/.exec(text)?.[1];
  if (missing) return `${missing} needs a value`;
  const positional = /^Unexpected argument '([^']+)'/.exec(text)?.[1];
  if (positional) return `unexpected argument "${positional}"`;
  const flag = /^Option '([^' ]+)[^']*' does not take an argument/.exec(text)?.[1];
  if (flag) return `${flag} takes no value`;
  const ambiguous = /^Option '([^' ]+)[^']*' argument is ambiguous/.exec(text)?.[1];
  if (ambiguous)
    return `${ambiguous} needs a value, and the argument after it starts with a dash: write ${ambiguous}=<value> if the value does`;
  return text;
};

/** A negative number as a separate argument: `-5`, `-0.5`, `-.5`. */
const NEGATIVE_NUMBER = /^-(\d+(\.\d*)?|\.\d+)$/;

/**
 * `--option -5` as `--option=-5`: node:util parseArgs takes an argument starting with a dash for
 * an option of its own and refuses `--option -5` as "ambiguous", so the option's own check never
 * said what it takes ("--warn-days must be a whole number of days, got "-5""). No cert-watch
 * argument is a negative number otherwise (hosts, files, locations); a boolean flag so joined is
 * still refused, as the stray `-5` was. Nothing after `--` is touched.
 */
export const joinNegativeNumbers = (argv: readonly string[]): string[] => {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return [...out, ...argv.slice(i)];
    const next = argv[i + 1];
    if (/^--[^=]+$/.test(arg) && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
};
