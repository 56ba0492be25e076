#!/usr/bin/env node
/**
 * cert-watch: the watcher's engine from a laptop or a CI pipeline.
 *   cert-watch scan <source>|all [--regions a,b] [--option k=v] [--warn-days N] [--critical-days N] [--json]
 *   cert-watch scan <source>|all --org [--ou <id>]... [--exclude <account>]... | --accounts <ids> [--role-name <name>] ...
 *   cert-watch scan file [--warn-days N] [--critical-days N] [--json] <file>...
 *   cert-watch check [options] <host[:port]>... | check --discover [--regions a,b]
 *   cert-watch discover [--regions a,b] [--kinds k,..] [--json]
 *   cert-watch discover --org [--ou <id>]... [--exclude <account>]... | --accounts <ids> [--role-name <name>] ...
 *   cert-watch status | ack <location> [--until <date>] [--reason <text>] | unack <location>
 *   cert-watch coverage [--gaps] [--json] [--table <name>]
 *   cert-watch report [--html <file>] [--csv <file>] [--json] [--table <name>]
 * Scans and check also write the estate report: --html <file>, --csv <file> (docs/reports.md).
 */

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { SOURCE_OPTION_KEYS } from '../lambda/contracts/sources';
import { ExitCode, joinNegativeNumbers, usageMessageOf } from './cli/exit-codes';
import type { CliIo } from './cli/io';

// Commands load their modules when they run (AWS SDK clients only for the commands that call AWS), so
// `--help` and `check` start without them: docs/benchmarks.md, "CLI start-up".
const SOURCE_KINDS = Object.keys(SOURCE_OPTION_KEYS);

export const USAGE = `cert-watch: certificate expiry checks with Nagios exit codes (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)

Commands:
  scan <src>  list and grade a certificate store: ${SOURCE_KINDS.join(', ')}, or all of them
              (--org: in every account of your AWS Organization)
  scan file   grade the certificates in PEM bundles or DER files
  check       probe TLS endpoints (STARTTLS too) the way their clients see them
  discover    list the endpoints load balancers, CloudFront, API Gateway and tags serve
              (--org: in every account of your AWS Organization)
  status      list the certificates the deployed watcher tracks, with their alert state
  ack         acknowledge / snooze a certificate's reminders (until a date, or its renewal)
  unack       remove an acknowledgement
  coverage    what the deployed watcher's last scan period covered, scope by scope
  report      the deployed watcher's estate report: HTML (timeline, counts, table), CSV, JSON

Every scan and check also writes the report with --html <file> and --csv <file>.
Run "cert-watch <command> --help" for its options, "cert-watch --version" for the version.`;

type Command = (argv: string[], io: CliIo) => Promise<number>;

const cli = {
  scan: () => import('./cli/scan'),
  orgScan: () => import('./cli/org-scan'),
  check: () => import('./cli/check'),
  discover: () => import('./cli/discover'),
  ack: () => import('./cli/ack'),
  coverage: () => import('./cli/coverage'),
  report: () => import('./cli/report'),
};

const scanSource =
  (kind: string): Command =>
  async (argv, io) => {
    const { isOrgScan, runOrgScan } = await cli.orgScan();
    if (isOrgScan(argv)) return runOrgScan(kind, argv, io);
    return (await cli.scan()).runScanSource(kind, argv, io);
  };

const COMMANDS: Record<string, Command> = {
  ...Object.fromEntries([...SOURCE_KINDS, 'all'].map((kind) => [`scan ${kind}`, scanSource(kind)])),
  'scan file': async (argv, io) => (await cli.scan()).runScanFiles(argv, io),
  check: async (argv, io) => (await cli.check()).runCheck(argv, io),
  discover: async (argv, io) => (await cli.discover()).runDiscover(argv, io),
  ack: async (argv, io) => (await cli.ack()).runAck(argv, io),
  unack: async (argv, io) => (await cli.ack()).runUnack(argv, io),
  status: async (argv, io) => (await cli.ack()).runStatus(argv, io),
  coverage: async (argv, io) => (await cli.coverage()).runCoverage(argv, io),
  report: async (argv, io) => (await cli.report()).runReport(argv, io),
};

/** The installed package's version, from its package.json (`bin/` in a clone, `dist/bin/` installed). */
export const packageVersion = (from: string = __dirname): string => {
  for (const up of ['..', '../..']) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(from, up, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'cert-expiry-watcher' && pkg.version) return pkg.version;
    } catch {
      // not this folder: try the next one up
    }
  }
  return 'unknown';
};

export const main = async (argv: string[], io: CliIo): Promise<number> => {
  const [first, second, ...rest] = argv;
  if (first === '--version' || first === '-V' || first === 'version') {
    io.stdout.write(`cert-watch ${packageVersion()}\n`);
    return ExitCode.OK;
  }
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return first === undefined ? ExitCode.UNKNOWN : ExitCode.OK;
  }
  const two = `${first} ${second ?? ''}`;
  const run = COMMANDS[two] ?? COMMANDS[first];
  const args = COMMANDS[two] ? rest : argv.slice(1);
  if (first === 'scan' && (second === undefined || second === '--help' || second === '-h')) {
    io.stdout.write(`${(await cli.scan()).scanCommandsUsage()}\n`);
    return second === undefined ? ExitCode.UNKNOWN : ExitCode.OK;
  }
  if (!run) {
    const hint = first === 'scan' ? `\n\n${(await cli.scan()).scanCommandsUsage()}` : `\n\n${USAGE}`;
    io.stderr.write(`cert-watch: unknown command "${argv.slice(0, 2).join(' ')}"${hint}\n`);
    return ExitCode.UNKNOWN;
  }
  const command = COMMANDS[two] ? `cert-watch ${first} ${second}` : `cert-watch ${first}`;
  try {
    return await run(joinNegativeNumbers(args), io);
  } catch (error) {
    // Usage mistakes and unexpected failures alike: say what went wrong, no stack trace, exit UNKNOWN.
    const usage = usageMessageOf(error, command);
    const message = usage ?? (error instanceof Error ? error.message : String(error));
    io.stderr.write(`cert-watch: ${message}${usage ? '\nRun with --help for usage.' : ''}\n`);
    return ExitCode.UNKNOWN;
  }
};

/**
 * The `cert-watch` process: runs {@link main} on the process's arguments and streams, and sets the
 * exit code. The AWS SDK's Node.js support notice is turned off with the SDK's documented switch
 * (`AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true`, aws-sdk-js-v3 issue #7983) unless the
 * caller set it: `engines` allows Node.js 20, and the notice would be noise on every run's stderr.
 */
export const runProcess = (): void => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
    (code) => {
      process.exitCode = code;
    },
  );
};

if (require.main === module) runProcess();
