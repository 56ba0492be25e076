/**
 * Lambda bundle benchmark: synthesizes the app exactly as `cdk deploy` would bundle it (local
 * esbuild; one endpoint configured so the dispatcher and prober are built too), then reports each function's bundle size and its module-load time in a fresh Node
 * process (median of several runs), i.e. the init cost a cold start pays for our code.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BundleResult {
  function: string;
  bytes: number;
  loadMsMedian: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

export const benchBundles = (runs = 7): BundleResult[] => {
  const out = mkdtempSync(join(tmpdir(), 'cew-bench-synth-'));
  try {
    execFileSync(
      'npx',
      ['cdk', 'synth', '--quiet', '--output', out, '-c', 'watcher:endpoints=bench.example.com'],
      {
        stdio: 'pipe',
        env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
      },
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
      const file = join(out, assetPath, 'index.js');
      // The SDK warns on Node < 22 at client creation; Lambda runs Node 24, so keep the timing free of it.
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        AWS_REGION: 'eu-west-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      };
      for (const [k, v] of Object.entries(r.Properties.Environment?.Variables ?? {}))
        env[k] = typeof v === 'string' ? v : 'placeholder';
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
        times.push(Number(execFileSync(process.execPath, ['-e', script], { env }).toString()));
      }
      results.push({ function: logicalId, bytes: statSync(file).size, loadMsMedian: median(times) });
    }
    return results;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
};
