/**
 * Link-local and metadata addresses are refused after name resolution too: a name (or a numeric
 * spelling getaddrinfo reads as an address) that resolves to 169.254.169.254 is never connected to
 * unless link-local addresses are explicitly allowed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeConfigFromEnv } from '../../lambda/handlers/make-probe-handler';
import { probeTarget } from '../../lambda/sources/endpoint/probe';
import { screenAddresses } from '../../lambda/sources/endpoint/resolve';
import { createChain, daysFrom } from '../support/certs';
import { runCheckCaptured } from '../support/cli-check-run';
import { endpointsFileEnv } from '../support/endpoints-file';
import { pemChain, type RunningServer, startTlsServer } from '../support/tls-servers';

const NOW = new Date();
let server: RunningServer;

beforeAll(async () => {
  const chain = await createChain({
    now: NOW,
    leaf: { commonName: 'mixed.example.com', notBefore: daysFrom(NOW, -1), notAfter: daysFrom(NOW, 200) },
  });
  server = await startTlsServer({ key: chain.leaf.keyPem, cert: pemChain(chain.leaf.certPem) });
});
afterAll(() => server.close());

describe('link-local addresses after resolution', () => {
  it('a numeric name the system resolver reads as 169.254.169.254 is refused, not connected to', async () => {
    // getaddrinfo turns '2852039166' into 169.254.169.254 without asking a DNS server.
    const results = await probeTarget({ host: '2852039166', port: 80 }, { timeoutMs: 2000 });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      address: '169.254.169.254',
      status: 'error',
      error: { code: 'ADDRESS_REFUSED' },
    });
    expect(results[0]!.error!.message).toBe(
      '2852039166 resolves to 169.254.169.254, a link-local address (where instance metadata services answer); not probed unless link-local addresses are explicitly allowed',
    );
  });

  it('a name resolving to a real server and to the metadata service: the server is probed, the metadata address refused', async () => {
    const results = await probeTarget(
      { host: 'mixed.example.com', port: server.port },
      {
        timeoutMs: 5000,
        dualCertificates: false,
        resolve: async () => [
          { address: server.host, family: 4 },
          { address: 'fd00:ec2::254', family: 6 },
        ],
      },
    );
    const byAddress = new Map(results.map((r) => [r.address, r]));
    expect(byAddress.get('fd00:ec2::254')?.error?.code).toBe('ADDRESS_REFUSED');
    expect(byAddress.get(server.host)?.leaf?.subject).toContain('mixed.example.com');
    expect(server.servernames).toEqual(['mixed.example.com']);
  });

  it('allowLinkLocal passes every address through; without it each link-local one is refused', () => {
    const addresses = [
      { address: '10.0.0.1', family: 4 as const },
      { address: '::ffff:169.254.169.254', family: 6 as const },
      { address: 'fe80::1', family: 6 as const },
    ];
    expect(screenAddresses('h', addresses, true).allowed).toEqual(addresses);
    const screened = screenAddresses('h', addresses, false);
    expect(screened.allowed).toEqual([addresses[0]]);
    expect(screened.refused.map((r) => r.address.address)).toEqual(['::ffff:169.254.169.254', 'fe80::1']);
  });

  it('the prober reads ALLOW_LINK_LOCAL=true (set by endpointProbes.allowLinkLocal); anything else refuses', () => {
    const env = {
      EVENT_BUS_NAME: 'b',
      PROBE_TIMEOUT_MS: '1000',
      PROBE_CONCURRENCY: '2',
      ...endpointsFileEnv(),
    };
    expect(probeConfigFromEnv(env).allowLinkLocal).toBe(false);
    expect(probeConfigFromEnv({ ...env, ALLOW_LINK_LOCAL: 'true' }).allowLinkLocal).toBe(true);
  });

  it('cert-watch check refuses a numeric spelling of the metadata address at once (exit 3)', async () => {
    const run = await runCheckCaptured(['2852039166:80']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('2852039166 is a link-local address');
  });
});
