/**
 * `npm run bench`: measurements, not assertions. Prints a Markdown report for docs/benchmarks.md.
 * Sections: inventory at 10,000 certificates; Lambda bundles.
 */
import { cpus, totalmem } from 'node:os';
import { benchBundles } from './bench-bundles';
import { benchInventory } from './bench-inventory';

// This machine runs Node 20; the SDK's notice that it will need Node 22 in 2027 is noise in a report.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const say = (s = '') => process.stdout.write(`${s}\n`);

const main = async () => {
  const only = process.argv.slice(2);
  const want = (name: string) => only.length === 0 || only.includes(name);
  say(`# Benchmark run ${new Date().toISOString()}`);
  say(
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${process.platform}/${process.arch}`,
  );
  if (want('inventory')) {
    await benchInventory(500); // warm-up: JIT and SDK module loading out of the measurement
    const r = await benchInventory(10_000);
    say('');
    say('## Inventory: 10,000 ACM certificates across 3 regions');
    say('| measure | value | goal |');
    say('| --- | --- | --- |');
    for (const [region, n] of Object.entries(r.listCalls))
      say(`| ListCertificates calls, ${region} | ${n} | ${r.listGoalPerRegion[region]} (ceil(N/1000)) |`);
    say(`| certificates reported (events) | ${r.reported} | — |`);
    say(`| DescribeCertificate calls | ${r.describeCalls} | ≤ ${r.reported} (only reported certificates) |`);
    say(
      `| PutEvents calls | ${r.putEventsCalls} | ≤ ${r.putEventsGoal} (ceil(events/10), heartbeat included) |`,
    );
    say(`| wall time, whole scan | ${r.wallMs.toFixed(0)} ms | — |`);
    say(`| heap used after scan | ${r.heapUsedMb.toFixed(0)} MiB | — |`);
  }
  if (want('bundles')) {
    say('');
    say('## Lambda bundles (as `cdk synth` builds them)');
    say('| function | bundle size | module load (median of 7, fresh process) |');
    say('| --- | --- | --- |');
    for (const b of benchBundles())
      say(`| ${b.function} | ${(b.bytes / 1024).toFixed(0)} KiB | ${b.loadMsMedian.toFixed(1)} ms |`);
  }
};

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
