/**
 * The package as users get it: `npm pack` (which runs `npm run build`), the tarball installed into a
 * fresh TypeScript CDK app outside the repository, `cdk synth` there without credentials, esbuild or
 * tsx, and `npx cert-watch` from that install against a local TLS server.
 *
 * Offline except the npm registry: dependencies come from npm's cache when it has them
 * (`--prefer-offline`); aws-cdk-lib, constructs and @types/node, which a CDK app has anyway, are
 * linked from this repository's node_modules, and the CDK CLI and TypeScript are this repository's.
 */
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChain, daysFrom } from '../support/certs';
import { pemChain, type RunningServer, startTlsServer } from '../support/tls-servers';

const REPO = path.resolve(__dirname, '..', '..');
const MODULES = path.join(REPO, 'node_modules');
const VERSION = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string })
  .version;
const MINUTES = 60_000;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment of a user's shell: no npm_* variables of the `npm test` running this file, no
 * AWS credentials, and no repository node_modules/.bin on PATH (so no esbuild or tsx to fall back on).
 */
const userEnv = (home: string): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|AWS_|CDK_|INIT_CWD$|NODE_OPTIONS$|VITEST)/i.test(key)) continue;
    env[key] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => !dir.includes('node_modules'))
    .join(path.delimiter);
  // npm's cache stays the user's; AWS and CDK configuration do not exist here.
  env.npm_config_cache = process.env.npm_config_cache ?? path.join(process.env.HOME ?? '', '.npm');
  env.HOME = home;
  env.AWS_EC2_METADATA_DISABLED = 'true';
  env.CDK_DISABLE_CLI_TELEMETRY = 'true';
  return env;
};

const run = (command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> =>
  new Promise((resolve) => {
    execFile(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? Number((error as { code?: unknown }).code ?? 1) || 1 : 0;
      resolve({ code, stdout, stderr });
    });
  });

const ok = (what: string, r: Run): Run => {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
};

const CONSUMER_APP = `import { App, Duration, Stack } from 'aws-cdk-lib';
import { AcmSource, CertificateExpiryWatcher, IamSource } from 'cert-expiry-watcher';

const app = new App();
const stack = new Stack(app, 'ConsumerStack');
const watcher = new CertificateExpiryWatcher(stack, 'Watcher', {
  regions: ['eu-west-1', 'us-east-1'],
  sources: [new AcmSource(), new IamSource()],
  tiersDays: [45, 14, 3],
  criticalDays: 3,
  scanInterval: Duration.hours(12),
  endpoints: [{ host: 'api.example.com', port: 443 }],
  // Someone hears the watcher's own alarms (synth refuses an ops topic without a subscriber).
  opsEmailAddresses: ['ops@example.com'],
});
// The construct's public surface is typed from the package's declarations.
const busName: string = watcher.bus.eventBusName;
void busName;
`;

let work: string;
let app: string;
let env: NodeJS.ProcessEnv;
/** The synthesized template, read as plain JSON: assertions on it stay cheap on a busy machine. */
interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, string>;
}
let resources: CfnResource[];
const ofType = (type: string): CfnResource[] => resources.filter((r) => r.Type === type);
let tls: RunningServer;
let caFile: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'cert-watcher-package-'));
  app = path.join(work, 'consumer-app');
  mkdirSync(app);
  env = userEnv(work);

  // 1. The tarball, as `npm publish` would make it (prepack: npm run build).
  const packEnv = { ...env, PATH: process.env.PATH };
  const pack = ok(
    'npm pack',
    await run('npm', ['pack', '--json', '--pack-destination', work], REPO, packEnv),
  );
  const tarball = path.join(
    work,
    (JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string }[])[0]!.filename,
  );

  // 2. A fresh CDK app that installs it.
  writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify({ name: 'consumer-app', version: '1.0.0', private: true }, null, 2),
  );
  ok(
    'npm install',
    await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--legacy-peer-deps', tarball],
      app,
      env,
    ),
  );
  for (const dep of ['aws-cdk-lib', 'constructs', '@types/node']) {
    const target = path.join(app, 'node_modules', dep);
    mkdirSync(path.dirname(target), { recursive: true });
    if (!existsSync(target)) symlinkSync(realpathSync(path.join(MODULES, dep)), target, 'dir');
  }
  writeFileSync(path.join(app, 'app.ts'), CONSUMER_APP);
  writeFileSync(
    path.join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'commonjs',
        strict: true,
        esModuleInterop: true,
        skipLibCheck: true,
        types: ['node'],
      },
      files: ['app.ts'],
    }),
  );
  ok(
    'tsc',
    await run(process.execPath, [path.join(MODULES, 'typescript', 'bin', 'tsc'), '-p', app], app, env),
  );

  // 3. cdk synth, without credentials.
  ok(
    'cdk synth',
    await run(
      process.execPath,
      [
        path.join(MODULES, 'aws-cdk', 'bin', 'cdk'),
        'synth',
        '--app',
        'node app.js',
        '-o',
        'cdk.out',
        '--quiet',
        '--no-notices',
      ],
      app,
      env,
    ),
  );
  resources = Object.values(
    (
      JSON.parse(readFileSync(path.join(app, 'cdk.out', 'ConsumerStack.template.json'), 'utf8')) as {
        Resources: Record<string, CfnResource>;
      }
    ).Resources,
  );

  // A TLS server with a certificate from a CA the check is given.
  const now = new Date();
  const chain = await createChain({
    now,
    leaf: {
      commonName: 'localhost',
      ipAddresses: ['127.0.0.1'],
      notBefore: daysFrom(now, -10),
      notAfter: daysFrom(now, 80),
    },
  });
  tls = await startTlsServer({
    key: chain.leaf.keyPem,
    cert: pemChain(chain.leaf.certPem, chain.intermediate.certPem),
  });
  caFile = path.join(work, 'ca.pem');
  writeFileSync(caFile, chain.root.certPem);
}, 20 * MINUTES);

afterAll(async () => {
  await tls?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the npm package in a CDK app of its own', () => {
  it('installs compiled JavaScript, declarations and pre-bundled Lambdas, no TypeScript sources', () => {
    const pkg = path.join(app, 'node_modules', 'cert-expiry-watcher');
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)],
      );
    const all = files(pkg).map((f) => path.relative(pkg, f));
    expect(all).toContain('dist/lib/index.js');
    expect(all).toContain('dist/lib/index.d.ts');
    expect(all).toContain('dist/bin/cert-watch.js');
    expect(all).toContain('dist/assets/fanout/index.mjs');
    expect(all).toContain('dist/assets/scan-workers-acm/index.mjs');
    expect(all.some((f) => /^dist\/assets\/scan-workers-iam\/chunks\/usage-\w+\.mjs$/.test(f))).toBe(true);
    expect(all.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    // Neither the build tools nor the Lambdas' own dependencies are installed for the user.
    for (const tool of ['esbuild', 'tsx', 'typescript', '@aws-lambda-powertools/logger'])
      expect(existsSync(path.join(app, 'node_modules', tool))).toBe(false);
  });

  it('synthesizes the watcher from the pre-bundled assets', () => {
    expect(ofType('AWS::Events::EventBus')).toHaveLength(1);
    expect(ofType('AWS::DynamoDB::Table')).toHaveLength(1);
    expect(ofType('AWS::SSM::Parameter').map((p) => p.Properties?.Name)).toEqual([
      '/cert-expiry-watcher/ConsumerStack/Watcher/config',
    ]);
    const functions = ofType('AWS::Lambda::Function');
    for (const f of functions)
      expect(f.Properties).toMatchObject({
        Handler: 'index.handler',
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
      });
    const variables = functions.map(
      (f) =>
        (f.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {},
    );
    expect(
      variables.some((v) => String(v.WATCHER_SOURCES).includes('"kind":"iam"') && v.TIERS_DAYS === '45,14,3'),
    ).toBe(true);
    const assets = functions.map((f) => f.Metadata?.['aws:asset:path']);
    expect(assets.length).toBeGreaterThanOrEqual(6);
    for (const asset of assets) {
      expect(asset).toBeDefined();
      expect(existsSync(path.join(app, 'cdk.out', asset!, 'index.mjs'))).toBe(true);
    }
    // The endpoint list is written beside the dispatcher's and the prober's pre-bundled handlers
    // (the prober probes only configured targets).
    const withEndpoints = assets.filter((a) => existsSync(path.join(app, 'cdk.out', a!, 'endpoints.json')));
    expect(withEndpoints).toHaveLength(2);
    expect(readFileSync(path.join(app, 'cdk.out', withEndpoints[0]!, 'endpoints.json'), 'utf8')).toContain(
      'api.example.com',
    );
  });

  it('runs npx cert-watch --version from the install', async () => {
    const r = await run('npx', ['--no-install', 'cert-watch', '--version'], app, env);
    expect(r).toEqual({ code: 0, stdout: `cert-watch ${VERSION}\n`, stderr: '' });
  });

  it('checks a local TLS endpoint with npx cert-watch check, nothing on stderr', async () => {
    const target = `127.0.0.1:${tls.port}`;
    const r = await run(
      'npx',
      ['--no-install', 'cert-watch', 'check', '--ca-file', caFile, '--json', target],
      app,
      env,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as {
      results: { target: string; status: string; daysRemaining: number }[];
    };
    expect(json.results).toEqual([expect.objectContaining({ target, status: 'ok' })]);
  });
});
