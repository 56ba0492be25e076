/**
 * Lambda bundle benchmark: synthesizes the app exactly as `cdk deploy` would bundle it (local
 * esbuild), with every source kind, one endpoint, one webhook destination and one ticket connector
 * configured so every function exists: the scan planner, one scan worker per source kind, the
 * endpoint dispatcher and prober, the alert fan-out, the webhook notifier and the ticket function.
 * Reports each function's bundle size (what a cold start loads: the ES module entry and the chunks
 * it imports statically; and every file of the asset, lazily loaded chunks included) and its
 * module-load time in a fresh Node process (median of several runs: wall clock and CPU), i.e. the
 * init cost a cold start pays for our code. A bundle whose cold-start code is over the budget (#11:
 * 500 KiB) is rebuilt from its entry with the same esbuild options and a metafile, which names its
 * largest modules.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { eagerBundleFiles, LAMBDA_ENTRY_FILE, lambdaEsbuildOptions } from '../lib/lambda-bundling';

/** Issue #11: no bundle over 500 KiB (the code a cold start loads). */
export const BUNDLE_BUDGET_BYTES = 500 * 1024;

export const ALL_SOURCE_KINDS = ['acm', 'iam', 'pca', 'secrets', 'ssm', 'iot'] as const;

export interface BundleResult {
  /** Logical id of the function in the template. */
  function: string;
  /** The handler file it was built from (found in its source map). */
  entry: string;
  /** What a cold start loads: the entry and the chunks it imports statically. */
  bytes: number;
  /** Every `.mjs` file of the asset: the above and the chunks loaded only through `import()`. */
  totalBytes: number;
  /** The lazily loaded chunks over 4 KiB, by file name and size. */
  lazy: { chunk: string; bytes: number }[];
  loadMsMedian: number;
  loadCpuMsMedian: number;
  /** Largest inputs by bytes in the minified output, for a bundle over the budget (esbuild metafile). */
  largest?: { module: string; bytes: number }[];
  /** Size of the metafile rebuild: equal to `bytes` when the rebuild is the synthesized bundle. */
  rebuiltBytes?: number;
}

const ROOT = resolve(__dirname, '..');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** `cdk synth` context: every function the construct can create. */
const CONTEXT: Record<string, string> = {
  'watcher:sources': ALL_SOURCE_KINDS.join(','),
  'watcher:endpoints': 'bench.example.com',
  'watcher:webhookDestinations': JSON.stringify([
    { name: 'ops', kind: 'slack', secretId: 'cert-watch/slack-ops' },
  ]),
  'watcher:ticketConnectors': JSON.stringify([
    {
      name: 'jira',
      kind: 'jira',
      secretId: 'cert-watch/jira',
      baseUrl: 'https://acme.atlassian.net',
      project: 'OPS',
    },
  ]),
};

/**
 * A template value as the function would see it: `Fn::Join` joined (JSON settings that name a queue
 * URL are built that way), any other intrinsic (Ref, GetAtt, the account) a placeholder string.
 */
const resolveValue = (v: unknown): string => {
  if (typeof v === 'string') return v;
  const join = (v as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(resolveValue).join(join[0]);
  return 'placeholder';
};

/** The handler file a bundle was built from: the source-map source under lambda/handlers/ that nothing else explains. */
const entryOf = (mapFile: string): string => {
  const sources = (JSON.parse(readFileSync(mapFile, 'utf8')) as { sources: string[] }).sources
    .map((s) => s.slice(s.lastIndexOf('lambda/handlers/')))
    .filter((s) => s.startsWith('lambda/handlers/'));
  const workers = sources.filter((s) => s.startsWith('lambda/handlers/scan-workers/'));
  if (workers.length === 1) return workers[0] ?? '';
  const roots = [
    'plan-scan.ts',
    'dispatch-endpoints.ts',
    'probe-endpoints.ts',
    'fanout.ts',
    'notify.ts',
    'tickets.ts',
  ].map((f) => `lambda/handlers/${f}`);
  return roots.find((r) => sources.includes(r)) ?? '?';
};

/** The bundle rebuilt with WatcherFunction's own esbuild options (lib/lambda-bundling.ts) and a metafile. */
const largestModules = async (entry: string, top = 12) => {
  const out = await build({
    ...lambdaEsbuildOptions(entry, join(tmpdir(), 'cew-bench-rebuild')),
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  // The outputs a cold start loads: the entry and, transitively, its static imports.
  const outputs = out.metafile.outputs;
  const entryKey = Object.keys(outputs).find((k) => k.endsWith(LAMBDA_ENTRY_FILE));
  const eager = new Set<string>();
  const visit = (key: string | undefined) => {
    if (!key || eager.has(key) || !outputs[key]) return;
    eager.add(key);
    for (const i of outputs[key].imports) if (i.kind === 'import-statement') visit(i.path);
  };
  visit(entryKey);
  const inputs = [...eager].flatMap((key) =>
    Object.entries(outputs[key]?.inputs ?? {}).map(([module, v]) => ({ module, bytes: v.bytesInOutput })),
  );
  // Group a package's files under the package name; our own files stay one by one.
  const grouped = new Map<string, number>();
  for (const i of inputs) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(i.module);
    const key = m?.[1] ?? i.module;
    grouped.set(key, (grouped.get(key) ?? 0) + i.bytes);
  }
  return {
    rebuiltBytes: [...eager].reduce((n, key) => n + (outputs[key]?.bytes ?? 0), 0),
    largest: [...grouped]
      .map(([module, bytes]) => ({ module, bytes }))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, top),
  };
};

export const benchBundles = async (runs = 7): Promise<BundleResult[]> => {
  const out = mkdtempSync(join(tmpdir(), 'cew-bench-synth-'));
  try {
    execFileSync(
      'npx',
      [
        'cdk',
        'synth',
        '--quiet',
        '--output',
        out,
        ...Object.entries(CONTEXT).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
      ],
      { stdio: 'pipe', env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' }, cwd: ROOT },
    );
    const template = readdirSync(out).find((f) => f.endsWith('.template.json'));
    if (!template) throw new Error('no template synthesized');
    const resources = (
      JSON.parse(readFileSync(join(out, template), 'utf8')) as {
        Resources: Record<
          string,
          {
            Type: string;
            Properties: { Environment?: { Variables?: Record<string, unknown> } };
            Metadata?: Record<string, string>;
          }
        >;
      }
    ).Resources;
    const results: BundleResult[] = [];
    for (const [logicalId, r] of Object.entries(resources)) {
      const assetPath = r.Metadata?.['aws:asset:path'];
      if (r.Type !== 'AWS::Lambda::Function' || !assetPath) continue;
      const dir = join(out, assetPath);
      const file = join(dir, LAMBDA_ENTRY_FILE);
      // The SDK warns on Node < 22 at client creation; Lambda runs Node 24, so keep the timing free of it.
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        AWS_REGION: 'eu-west-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      };
      for (const [k, v] of Object.entries(r.Properties.Environment?.Variables ?? {}))
        env[k] = resolveValue(v);
      const wall: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < runs; i++) {
        const script = `const c=process.cpuUsage();const t=process.hrtime.bigint();import(${JSON.stringify(pathToFileURL(file).href)}).then(()=>{const d=process.cpuUsage(c);process.stdout.write(JSON.stringify([Number(process.hrtime.bigint()-t)/1e6,(d.user+d.system)/1e3]))})`;
        const [w, c] = JSON.parse(execFileSync(process.execPath, ['-e', script], { env }).toString()) as [
          number,
          number,
        ];
        wall.push(w);
        cpu.push(c);
      }
      const sizeOf = (f: string) => statSync(join(dir, f)).size;
      const eager = eagerBundleFiles(dir);
      const all = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.mjs'));
      const bytes = eager.reduce((n, f) => n + sizeOf(f), 0);
      const lazy = all
        .filter((f) => !eager.includes(f) && sizeOf(f) > 4096)
        .map((f) => ({ chunk: relative(dir, join(dir, f)), bytes: sizeOf(f) }))
        .sort((a, b) => b.bytes - a.bytes);
      const entry = entryOf(`${file}.map`);
      results.push({
        function: logicalId,
        entry,
        bytes,
        totalBytes: all.reduce((n, f) => n + sizeOf(f), 0),
        lazy,
        loadMsMedian: median(wall),
        loadCpuMsMedian: median(cpu),
        ...(bytes > BUNDLE_BUDGET_BYTES && entry !== '?' ? await largestModules(entry) : {}),
      });
    }
    return results.sort((a, b) => a.entry.localeCompare(b.entry));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
};
