/**
 * `npm run test:soak [-- RUNS] [vitest args…]`: the vitest suite RUNS times in a row (default 5, or
 * SOAK_RUNS) while a CPU hog keeps one core busy, then passes and failures per test across the runs.
 * Exits 1 if any test (or any run) failed. The hog is `stress-ng --cpu 1` when installed, else a
 * Node busy loop; it is stopped on every way out (end, failure, Ctrl-C, SIGTERM).
 *
 *   npm run test:soak                      # 5 runs of everything
 *   npm run test:soak -- 3 test/integration
 *   SOAK_RUNS=10 npm run test:soak
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

interface AssertionResult {
  readonly fullName: string;
  readonly status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo' | 'disabled';
  readonly duration?: number | null;
  readonly failureMessages?: readonly string[];
}
interface FileResult {
  readonly name: string;
  readonly status: string;
  readonly message?: string;
  readonly assertionResults: readonly AssertionResult[];
}
interface JsonReport {
  readonly testResults: readonly FileResult[];
}

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
  maxMs: number;
  failures: string[];
}

const root = join(__dirname, '..');
const say = (s = '') => process.stdout.write(`${s}\n`);

const parseArgs = (argv: readonly string[]): { runs: number; vitestArgs: string[] } => {
  const [first, ...rest] = argv;
  const fromArg = first !== undefined && /^\d+$/.test(first);
  const raw = fromArg ? first : (process.env.SOAK_RUNS ?? '5');
  const runs = Number(raw);
  if (!Number.isInteger(runs) || runs < 1) {
    process.stderr.write(`soak: the number of runs must be a positive integer, got '${raw}'\n`);
    process.exit(2);
  }
  return { runs, vitestArgs: fromArg ? rest : [...argv] };
};

const hasCommand = (name: string) => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;

/** Busy on one core; checks in every 100 ms so it notices its parent is gone (IPC disconnect). */
const BUSY_LOOP = `
process.on('disconnect', () => process.exit(0));
const burn = () => { const end = Date.now() + 100; while (Date.now() < end); setImmediate(burn); };
burn();`;

interface Hog {
  readonly name: string;
  stop(): void;
}

const startHog = (maxSeconds: number): Hog => {
  let child: ChildProcess;
  let name: string;
  if (hasCommand('stress-ng')) {
    // Its own process group (stress-ng forks a worker), killed as a group; --timeout is the backstop
    // should this script itself be killed with SIGKILL.
    child = spawn('stress-ng', ['--cpu', '1', '--timeout', `${maxSeconds}s`, '--quiet'], {
      detached: true,
      stdio: 'ignore',
    });
    name = 'stress-ng --cpu 1';
  } else {
    child = spawn(process.execPath, ['-e', BUSY_LOOP], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    name = 'a Node busy loop (install stress-ng to use it instead)';
  }
  child.on('error', (e) => process.stderr.write(`soak: CPU hog failed: ${e.message}\n`));
  let stopped = false;
  return {
    name,
    stop: () => {
      if (stopped || child.pid === undefined) return;
      stopped = true;
      try {
        if (name.startsWith('stress-ng')) process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // already gone
      }
    },
  };
};

const runVitest = (
  jsonFile: string,
  vitestArgs: readonly string[],
  track: (c: ChildProcess | null) => void,
): Promise<number> =>
  new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        join(root, 'node_modules', 'vitest', 'vitest.mjs'),
        'run',
        '--reporter=dot',
        '--reporter=json',
        `--outputFile.json=${jsonFile}`,
        ...vitestArgs,
      ],
      {
        cwd: root,
        stdio: 'inherit',
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        // Its own process group, so an interrupted run takes its workers and their servers (moto,
        // nginx, ...) with it instead of leaving them orphaned.
        detached: true,
      },
    );
    track(child);
    child.on('exit', (code, signal) => {
      track(null);
      resolve(code ?? (signal ? 128 : 1));
    });
  });

const readReport = (file: string): JsonReport | null => {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as JsonReport;
  } catch {
    return null;
  }
};

const firstLine = (message: string) =>
  message
    .split('\n')
    .find((l) => l.trim() !== '')
    ?.trim()
    .slice(0, 300) ?? '';

const main = async () => {
  const { runs, vitestArgs } = parseArgs(process.argv.slice(2));
  const out = mkdtempSync(join(tmpdir(), 'cert-watch-soak-'));
  // Generous backstop for stress-ng: 20 minutes a run.
  const hog = startHog(runs * 20 * 60);
  let vitest: ChildProcess | null = null;
  const killVitest = (signal: NodeJS.Signals) => {
    const pid = (vitest as ChildProcess | null)?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  const stopAll = () => {
    killVitest('SIGKILL');
    hog.stop();
  };
  process.on('exit', stopAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nsoak: ${signal}, stopping the CPU hog and vitest\n`);
      hog.stop();
      const running = vitest as ChildProcess | null;
      if (running === null) process.exit(130);
      // Let vitest's workers run their afterAll (stopping moto and the peers), then force it.
      running.once('exit', () => process.exit(130));
      killVitest('SIGTERM');
      setTimeout(() => process.exit(130), 5_000);
    });
  }

  say(`soak: ${runs} run(s) of vitest ${vitestArgs.join(' ')} with ${hog.name} busy on one core`);
  say(`soak: JSON reports in ${out}`);
  const tallies = new Map<string, Tally>();
  const runLines: string[] = [];
  let runFailures = 0;
  try {
    for (let i = 1; i <= runs; i++) {
      say(`\n== soak run ${i}/${runs}`);
      const file = join(out, `run-${i}.json`);
      const started = Date.now();
      const code = await runVitest(file, vitestArgs, (c) => {
        vitest = c;
      });
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      const report = readReport(file);
      let failedHere = 0;
      for (const f of report?.testResults ?? []) {
        const path = relative(root, f.name);
        if (f.assertionResults.length === 0 && f.status === 'failed') {
          // The file failed before any test ran (import error, a hook threw).
          const key = `${path} (whole file)`;
          const t = tallies.get(key) ?? { passed: 0, failed: 0, skipped: 0, maxMs: 0, failures: [] };
          t.failed++;
          t.failures.push(`run ${i}: ${firstLine(f.message ?? 'failed')}`);
          tallies.set(key, t);
          failedHere++;
        }
        for (const a of f.assertionResults) {
          const key = `${path} > ${a.fullName}`;
          const t = tallies.get(key) ?? { passed: 0, failed: 0, skipped: 0, maxMs: 0, failures: [] };
          if (a.status === 'passed') t.passed++;
          else if (a.status === 'failed') {
            t.failed++;
            failedHere++;
            t.failures.push(`run ${i}: ${firstLine(a.failureMessages?.[0] ?? 'failed')}`);
          } else t.skipped++;
          t.maxMs = Math.max(t.maxMs, a.duration ?? 0);
          tallies.set(key, t);
        }
      }
      const broken = report === null || (code !== 0 && failedHere === 0);
      if (code !== 0) runFailures++;
      runLines.push(
        `run ${i}: exit ${code}, ${seconds} s, ${failedHere} failed test(s)${
          broken
            ? ' — vitest failed outside the tests (no report, or errors outside tests: see its output)'
            : ''
        }`,
      );
    }
  } finally {
    stopAll();
  }

  const rows = [...tallies.entries()].sort(
    ([a, x], [b, y]) => x.failed - y.failed || (a < b ? -1 : a > b ? 1 : 0),
  );
  say('\n== passes / failures per test (failing tests last)');
  for (const [name, t] of rows) {
    const skipped = t.skipped > 0 ? `, ${t.skipped} skipped` : '';
    say(`${t.failed > 0 ? 'FAIL' : 'ok  '} ${t.passed}/${runs} passed${skipped}  ${name}`);
  }
  const flaky = rows.filter(([, t]) => t.failed > 0);
  if (flaky.length > 0) {
    say('\n== failures');
    for (const [name, t] of flaky) {
      say(name);
      for (const f of t.failures) say(`    ${f}`);
    }
  }
  say('\n== slowest tests (longest of the runs)');
  for (const [name, t] of [...tallies.entries()].sort(([, x], [, y]) => y.maxMs - x.maxMs).slice(0, 10))
    say(`${(t.maxMs / 1000).toFixed(1).padStart(6)} s  ${name}`);
  say('\n== runs');
  for (const l of runLines) say(l);
  say(
    `\nsoak: ${tallies.size} tests, ${flaky.length} failed at least once; ${runs - runFailures}/${runs} runs green (${hog.name})`,
  );
  process.exitCode = flaky.length > 0 || runFailures > 0 ? 1 : 0;
};

main().catch((error) => {
  process.stderr.write(`soak: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
