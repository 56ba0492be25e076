/**
 * cert-watch: the watcher's engine from a laptop or a CI pipeline.
 *   cert-watch scan <source>|all [--regions a,b] [--option k=v] [--warn-days N] [--critical-days N] [--json]
 *   cert-watch scan <source>|all --org [--ou <id>]... [--exclude <account>]... | --accounts <ids> [--role-name <name>] ...
 *   cert-watch scan file [--warn-days N] [--critical-days N] [--json] <file>...
 *   cert-watch check [options] <host[:port]>...
 *   cert-watch status | ack <location> [--until <date>] [--reason <text>] | unack <location>
 *   cert-watch coverage [--gaps] [--json] [--table <name>]
 */

import { SOURCE_REGISTRY } from '../lambda/sources/registry';
import { runAck, runStatus, runUnack } from './cli/ack';
import { runCheck } from './cli/check';
import { runCoverage } from './cli/coverage';
import { ExitCode, UsageError } from './cli/exit-codes';
import type { CliIo } from './cli/io';
import { isOrgScan, runOrgScan } from './cli/org-scan';
import { runScanFiles, runScanSource, scanCommandsUsage } from './cli/scan';

export const USAGE = `cert-watch: certificate expiry checks with Nagios exit codes (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)

Commands:
  scan <src>  list and grade a certificate store: ${Object.keys(SOURCE_REGISTRY).join(', ')}, or all of them
              (--org: in every account of your AWS Organization)
  scan file   grade the certificates in PEM bundles or DER files
  check       probe TLS endpoints (STARTTLS too) the way their clients see them
  status      list the certificates the deployed watcher tracks, with their alert state
  ack         acknowledge / snooze a certificate's reminders (until a date, or its renewal)
  unack       remove an acknowledgement
  coverage    what the deployed watcher's last scan period covered, scope by scope

Run "cert-watch <command> --help" for its options.`;

const COMMANDS: Record<string, (argv: string[], io: CliIo) => Promise<number>> = {
  ...Object.fromEntries(
    [...Object.keys(SOURCE_REGISTRY), 'all'].map((kind) => [
      `scan ${kind}`,
      (argv: string[], io: CliIo) =>
        isOrgScan(argv) ? runOrgScan(kind, argv, io) : runScanSource(kind, argv, io),
    ]),
  ),
  'scan file': runScanFiles,
  check: runCheck,
  ack: (argv, io) => runAck(argv, io),
  unack: (argv, io) => runUnack(argv, io),
  status: (argv, io) => runStatus(argv, io),
  coverage: (argv, io) => runCoverage(argv, io),
};

export const main = async (argv: string[], io: CliIo): Promise<number> => {
  const [first, second, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return first === undefined ? ExitCode.UNKNOWN : ExitCode.OK;
  }
  const two = `${first} ${second ?? ''}`;
  const run = COMMANDS[two] ?? COMMANDS[first];
  const args = COMMANDS[two] ? rest : argv.slice(1);
  if (first === 'scan' && (second === undefined || second === '--help' || second === '-h')) {
    io.stdout.write(`${scanCommandsUsage()}\n`);
    return second === undefined ? ExitCode.UNKNOWN : ExitCode.OK;
  }
  if (!run) {
    const hint = first === 'scan' ? `\n\n${scanCommandsUsage()}` : `\n\n${USAGE}`;
    io.stderr.write(`cert-watch: unknown command "${argv.slice(0, 2).join(' ')}"${hint}\n`);
    return ExitCode.UNKNOWN;
  }
  try {
    return await run(args, io);
  } catch (error) {
    // Usage mistakes and unexpected failures alike: say what went wrong, no stack trace, exit UNKNOWN.
    const message = error instanceof Error ? error.message : String(error);
    const usage =
      error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    io.stderr.write(`cert-watch: ${message}${usage ? '\nRun with --help for usage.' : ''}\n`);
    return ExitCode.UNKNOWN;
  }
};

if (require.main === module) {
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
    (code) => {
      process.exitCode = code;
    },
  );
}
