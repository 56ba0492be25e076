/**
 * `--html FILE` and `--csv FILE` on every scanning command (and `cert-watch report`): the estate
 * report (lambda/reports/) written beside the normal output, which stays as it was. The paths are
 * checked before the scan starts (a long organization scan must not end in "cannot write"), and a
 * file that still cannot be written is one line on stderr and exit 3, never a stack trace.
 * docs/reports.md.
 */
import { constants } from 'node:fs';
import { access, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { EstateReport } from '../../lambda/reports/model';
import { ExitCode, UsageError } from './exit-codes';
import type { CliIo } from './io';

export const REPORT_FILE_OPTIONS = {
  html: { type: 'string' },
  csv: { type: 'string' },
} as const;

/** The flags' help lines, descriptions starting at `column` (each command's help aligns its own). */
export const reportFileHelp = (column = 25): string => {
  const line = (flag: string, text: string) => `  ${flag.padEnd(column - 2)}${text}`;
  return [
    line('--html <file>', 'also write the estate report as a self-contained HTML file'),
    line('', '(timeline, counts, sortable table: docs/reports.md)'),
    line('--csv <file>', "also write the report's certificates as CSV (RFC 4180)"),
  ].join('\n');
};

export const REPORT_FILE_HELP = reportFileHelp();

export interface ReportFiles {
  readonly html?: string;
  readonly csv?: string;
}

/** A report file that could not be written: the path and the system's reason. */
export class ReportFileError extends Error {
  override readonly name = 'ReportFileError';
}

const reason = (error: unknown): string => {
  const e = error as NodeJS.ErrnoException;
  return e.code
    ? `${e.code}${e.code === 'EACCES' ? ' (permission denied)' : e.code === 'ENOENT' ? ' (no such directory)' : ''}`
    : String(e.message ?? error);
};

/**
 * The report files asked for, checked: each names a file (not a directory) in a writable
 * directory, and no two flags name the same file.
 * @throws UsageError naming the flag, the path and why
 */
export const reportFilesOf = async (values: { html?: string; csv?: string }): Promise<ReportFiles> => {
  const files: ReportFiles = {
    ...(values.html !== undefined ? { html: values.html } : {}),
    ...(values.csv !== undefined ? { csv: values.csv } : {}),
  };
  for (const [flag, path] of Object.entries(files) as [string, string][]) {
    if (!path.trim()) throw new UsageError(`--${flag} needs a file name`);
    const isDirectory = await stat(path).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (isDirectory) throw new UsageError(`--${flag} ${path}: is a directory, give a file name`);
    try {
      await access(dirname(resolve(path)), constants.W_OK);
    } catch (error) {
      throw new UsageError(`--${flag} ${path}: cannot write there: ${reason(error)}`);
    }
  }
  if (files.html && files.csv && resolve(files.html) === resolve(files.csv))
    throw new UsageError('--html and --csv name the same file');
  return files;
};

export const wantsReport = (files: ReportFiles): boolean =>
  files.html !== undefined || files.csv !== undefined;

/**
 * Renders and writes the files (the renderers load only when a file is asked for: `check` and
 * `--help` start without them). Returns the exit code to use: `code` when every file was written,
 * else 3 (UNKNOWN) with one line on stderr per file that failed; and the files actually written
 * (a summary names only those).
 */
export const writeReportFilesListed = async (
  files: ReportFiles,
  report: () => EstateReport | Promise<EstateReport>,
  io: Pick<CliIo, 'stderr'>,
  code: number,
): Promise<{ readonly code: number; readonly written: ReportFiles }> => {
  if (!wantsReport(files)) return { code, written: {} };
  const built = await report();
  const outputs: ['html' | 'csv', string, () => Promise<string>][] = [];
  if (files.html)
    outputs.push([
      'html',
      files.html,
      async () => (await import('../../lambda/reports/html')).renderHtml(built),
    ]);
  if (files.csv)
    outputs.push(['csv', files.csv, async () => (await import('../../lambda/reports/csv')).renderCsv(built)]);
  let failed = false;
  const written: { html?: string; csv?: string } = {};
  for (const [flag, path, render] of outputs) {
    try {
      await writeFile(path, await render(), { encoding: 'utf8', mode: 0o644 });
      written[flag] = path;
    } catch (error) {
      failed = true;
      io.stderr.write(`cert-watch: --${flag} ${path}: cannot write the report: ${reason(error)}\n`);
    }
  }
  return { code: failed ? ExitCode.UNKNOWN : code, written };
};

/** `writeReportFilesListed`'s exit code (the scans and `check`, which print no summary of the files). */
export const writeReportFiles = async (
  files: ReportFiles,
  report: () => EstateReport | Promise<EstateReport>,
  io: Pick<CliIo, 'stderr'>,
  code: number,
): Promise<number> => (await writeReportFilesListed(files, report, io, code)).code;
