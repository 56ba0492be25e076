/**
 * `cert-watch discover` and `check --discover` on the emulator: a load balancer's HTTPS listener
 * with a default and an SNI certificate and a tagged imported certificate are listed in the
 * documented JSON shape, then probed: each name through the resolver seam at one local TLS server,
 * with the usual table, JSON and Nagios exit codes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../bin/cli/check';
import { runDiscover } from '../../bin/cli/discover';
import { captureCliIo } from '../support/cli-io';
import { type DiscoveryEstate, seedDiscoveryEstate } from '../support/discovery-on-moto';
import { type Moto, startMoto } from '../support/moto';

const REGION = 'eu-west-1';
const NOW = new Date();
let moto: Moto;
let estate: DiscoveryEstate;
let dir: string;

beforeAll(async () => {
  moto = await startMoto();
  // b expires in 10 days: inside the warning window, so check's exit code is WARNING.
  estate = await seedDiscoveryEstate(moto, {
    region: REGION,
    now: NOW,
    names: { a: 200, b: 10, tagged: 200 },
    tagged: ['tagged'],
  });
  dir = mkdtempSync(join(tmpdir(), 'cew-cli-discover-'));
  writeFileSync(join(dir, 'ca.pem'), estate.caPem);
}, 60_000);

afterAll(async () => {
  await estate?.server.close();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const deps = () => ({ clientOverrides: (r: string) => moto.clientConfig(r) });

describe('cert-watch discover', () => {
  it('--json lists each endpoint in the documented shape, exit 0', async () => {
    const { io, out, err } = captureCliIo({});
    const code = await runDiscover(['--regions', REGION, '--kinds', 'elbv2,tag', '--json'], io, deps());
    expect(err()).toBe('');
    expect(code).toBe(0);
    const { endpoints } = JSON.parse(out()) as { endpoints: Record<string, unknown>[] };
    const port = estate.server.port;
    // Sorted by host, port and SNI name.
    expect(endpoints).toEqual([
      {
        host: 'tagged.example.test',
        port,
        servername: 'tagged.example.test',
        source: 'tag',
        resource: estate.arns.tagged,
        certificateIds: [estate.arns.tagged],
      },
      {
        host: estate.lbDns,
        port,
        servername: 'a.example.test',
        source: 'elbv2',
        resource: estate.listenerArn,
        certificateIds: [estate.arns.a],
      },
      {
        host: estate.lbDns,
        port,
        servername: 'b.example.test',
        source: 'elbv2',
        resource: estate.listenerArn,
        certificateIds: [estate.arns.b],
      },
    ]);
  });

  it('prints a table by default and refuses an unknown kind', async () => {
    const { io, out } = captureCliIo({ AWS_REGION: REGION });
    expect(await runDiscover(['--kinds', 'elbv2'], io, deps())).toBe(0);
    expect(out()).toMatch(/SOURCE\s+HOST\s+PORT\s+SERVERNAME/);
    expect(out()).toContain('2 endpoints');
    await expect(
      runDiscover(['--kinds', 'elbv3'], captureCliIo({ AWS_REGION: REGION }).io, deps()),
    ).rejects.toThrow(/elbv3/);
  });
});

describe('cert-watch check --discover', () => {
  const resolve = async () => [{ address: '127.0.0.1', family: 4 as const }];
  it('probes every discovered name at its resource through the resolver seam: the table and WARNING for the one expiring', async () => {
    const { io, out } = captureCliIo({ AWS_REGION: REGION });
    const code = await runCheck(['--discover', '--ca-file', join(dir, 'ca.pem'), '--no-aia'], {
      ...io,
      discovery: { ...deps(), resolve },
    });
    expect(code).toBe(1);
    expect(out()).toMatch(/WARNING\s+\S+:\d+\/b\.example\.test\s/);
    expect(out()).toContain('3 results: 2 ok, 1 warning');
    // The load balancer's two names are two rows that say which name each is.
    expect(out()).toMatch(/OK\s+\S+:\d+\/a\.example\.test\s/);
  });

  it('--json: each result names its SNI name and what that name served', async () => {
    const { io, out } = captureCliIo({});
    const code = await runCheck(
      [
        '--discover',
        '--regions',
        REGION,
        '--json',
        '--ca-file',
        join(dir, 'ca.pem'),
        '--no-aia',
        '--no-dual',
      ],
      {
        ...io,
        discovery: { ...deps(), resolve },
      },
    );
    expect(code).toBe(1);
    const { results } = JSON.parse(out()) as {
      results: { servername: string; verdict: string; leaf: { sans: string[] } }[];
    };
    expect(results.map((r) => [r.servername, r.verdict, r.leaf.sans]).sort()).toEqual([
      ['a.example.test', 'ok', ['a.example.test']],
      ['b.example.test', 'warning', ['b.example.test']],
      ['tagged.example.test', 'ok', ['tagged.example.test']],
    ]);
  });

  it('--regions without --discover is a usage error (UNKNOWN)', async () => {
    const { io, err } = captureCliIo({});
    expect(await runCheck(['--regions', REGION, 'example.com'], io)).toBe(3);
    expect(err()).toContain('--regions needs --discover');
  });
});
