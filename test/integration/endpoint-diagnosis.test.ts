/**
 * Untrusted or incomplete (docs/endpoints.md): a chain complete to an unknown root is UNTRUSTED with
 * the way to trust it; INCOMPLETE_CHAIN only when an issuer is missing, and then the AIA caIssuers
 * URL says whether it is fixable. Real local TLS servers and a real local HTTP server for AIA.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeConfigFromEnv } from '../../lambda/handlers/make-probe-handler';
import { MAX_AIA_BYTES } from '../../lambda/sources/endpoint/aia';
import { probeTarget } from '../../lambda/sources/endpoint/probe';
import type { ProbeOptions, ProbeResult } from '../../lambda/sources/endpoint/types';
import { createCertificate, daysFrom, type GeneratedCert } from '../support/certs';
import { runCheckCaptured } from '../support/cli-check-run';
import { endpointsFileEnv } from '../support/endpoints-file';
import { pemChain, type RunningServer, startTlsServer } from '../support/tls-servers';

const now = new Date();
const servers: RunningServer[] = [];
let aia: http.Server;
let aiaBase: string;
const aiaBodies = new Map<string, Buffer>();
const aiaHits: string[] = [];

const span = (days: number) => ({ notBefore: daysFrom(now, -10), notAfter: daysFrom(now, days) });
const ca = (commonName: string, issuer?: GeneratedCert, caIssuersUrl?: string) =>
  createCertificate({
    commonName,
    ...span(2000),
    isCa: true,
    ...(issuer ? { issuer } : {}),
    ...(caIssuersUrl ? { caIssuersUrl } : {}),
  });
const leafOf = (issuer: GeneratedCert, caIssuersUrl?: string) =>
  createCertificate({
    commonName: 'diag.test',
    ...span(200),
    issuer,
    ...(caIssuersUrl ? { caIssuersUrl } : {}),
  });
/** Publishes `body` at /name on the AIA server; returns its URL. */
const publish = (name: string, body: Buffer): string => {
  aiaBodies.set(`/${name}`, body);
  return `${aiaBase}/${name}`;
};
const der = (c: GeneratedCert): Buffer => Buffer.from(c.cert.rawData);

const serve = async (...certs: GeneratedCert[]): Promise<number> => {
  const s = await startTlsServer({ key: certs[0]!.keyPem, cert: pemChain(...certs.map((c) => c.certPem)) });
  servers.push(s);
  return s.port;
};
const probe = async (port: number, caPems: string[], extra: Partial<ProbeOptions> = {}) =>
  (
    await probeTarget(
      { host: 'diag.test', port },
      { caPems, resolve: async () => [{ address: '127.0.0.1', family: 4 }], timeoutMs: 5_000, ...extra },
    )
  )[0]!;
const only = (r: ProbeResult, code: string) => {
  expect(r.problems.map((p) => p.code)).toEqual([code]);
  return r.problems[0]!.message;
};

beforeAll(async () => {
  aia = http.createServer((req, res) => {
    aiaHits.push(req.url ?? '');
    const body = aiaBodies.get(req.url ?? '');
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/pkix-cert' }).end(body);
  });
  await new Promise<void>((resolve) => aia.listen(0, '127.0.0.1', resolve));
  aiaBase = `http://127.0.0.1:${(aia.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  aia.closeAllConnections();
  await new Promise((resolve) => aia.close(resolve));
});

describe('a complete chain to a root we do not trust', () => {
  it('is UNTRUSTED with the --ca-file / caBundlePem hint, whether the root is sent or not', async () => {
    const privateRoot = await ca('Diag Private Root');
    const intermediate = await ca('Diag Private Intermediate', privateRoot);
    const leaf = await leafOf(intermediate);
    for (const port of [await serve(leaf, intermediate, privateRoot), await serve(leaf, intermediate)]) {
      const message = only(await probe(port, []), 'UNTRUSTED');
      expect(message).toContain('--ca-file');
      expect(message).toContain('endpointProbes.caBundlePem');
    }
    // Trusting it is the fix the hint names.
    expect((await probe(await serve(leaf, intermediate), [privateRoot.certPem])).problems).toEqual([]);
  });

  it('is UNTRUSTED when a private root issues the leaf directly and the server sends only the leaf', async () => {
    const privateRoot = await ca('Diag Two-Tier Root');
    const message = only(await probe(await serve(await leafOf(privateRoot)), []), 'UNTRUSTED');
    expect(message).toContain("issuer 'CN=Diag Two-Tier Root'");
  });

  it('is UNTRUSTED when the AIA URL serves that unknown root (the chain was complete)', async () => {
    const privateRoot = await ca('Diag AIA Root');
    const url = publish('aia-root.crt', der(privateRoot));
    const r = await probe(await serve(await leafOf(privateRoot, url)), [], { fetchMissingIssuers: true });
    expect(only(r, 'UNTRUSTED')).toContain('fetched from its AIA caIssuers URL');
  });
});

describe('a missing intermediate', () => {
  let root: GeneratedCert;
  beforeAll(async () => {
    root = await ca('Diag Public Root');
  });

  it('with AIA fetching (the CLI default): INCOMPLETE_CHAIN, fixable, the fetched intermediate on the path', async () => {
    const intermediate = await ca('Diag Fetched Intermediate', root);
    const url = publish('intermediate.crt', der(intermediate));
    const port = await serve(await leafOf(intermediate, url));
    const dir = mkdtempSync(join(tmpdir(), 'diag-'));
    const caFile = join(dir, 'root.pem');
    writeFileSync(caFile, root.certPem);
    const { code, stdout: out } = await runCheckCaptured([
      '--json',
      '--ca-file',
      caFile,
      `127.0.0.1:${port}`,
    ]);
    rmSync(dir, { recursive: true, force: true });
    const r = JSON.parse(out).results[0] as ProbeResult;
    expect(code).toBe(2);
    const incomplete = r.problems.find((p) => p.code === 'INCOMPLETE_CHAIN')!;
    expect(incomplete.message).toContain("'CN=Diag Fetched Intermediate'");
    expect(incomplete.message).toContain(`fixable: it is published at ${url}`);
    expect(r.path!.map((e) => e.source)).toEqual(['sent', 'aia', 'trust-store']);
  });

  it('without AIA fetching (the prober default): INCOMPLETE_CHAIN naming the URL, and no request made', async () => {
    const intermediate = await ca('Diag Unfetched Intermediate', root);
    const url = publish('unfetched.crt', der(intermediate));
    const r = await probe(await serve(await leafOf(intermediate, url)), [root.certPem]);
    expect(only(r, 'INCOMPLETE_CHAIN')).toContain(`${url} (not fetched`);
    expect(aiaHits).not.toContain('/unfetched.crt');
  });

  it('says why a fetch failed: HTTP error, oversized body, not a certificate, https', async () => {
    const intermediate = await ca('Diag Broken AIA Intermediate', root);
    const cases: [string, string][] = [
      [`${aiaBase}/nothing-here.crt`, 'HTTP 404'],
      [publish('huge.crt', Buffer.alloc(MAX_AIA_BYTES + 10_000, 0x30)), `larger than ${MAX_AIA_BYTES} bytes`],
      [publish('junk.crt', Buffer.from('<html>not a certificate</html>')), 'not a DER or PEM certificate'],
      ['https://127.0.0.1:1/intermediate.crt', 'fetched over http only'],
    ];
    for (const [url, why] of cases) {
      const r = await probe(await serve(await leafOf(intermediate, url)), [root.certPem], {
        fetchMissingIssuers: true,
      });
      expect(only(r, 'INCOMPLETE_CHAIN')).toContain(why);
    }
  });

  it('retries a failed fetch on the next probe (a failure is not remembered)', async () => {
    const intermediate = await ca('Diag Late Intermediate', root);
    const url = `${aiaBase}/late.crt`;
    const port = await serve(await leafOf(intermediate, url));
    const first = await probe(port, [root.certPem], { fetchMissingIssuers: true });
    expect(only(first, 'INCOMPLETE_CHAIN')).toContain('HTTP 404');
    publish('late.crt', der(intermediate));
    const second = await probe(port, [root.certPem], { fetchMissingIssuers: true });
    expect(only(second, 'INCOMPLETE_CHAIN')).toContain('fixable');
    expect(aiaHits.filter((hit) => hit === '/late.crt')).toHaveLength(2);
  });

  it('never fetches from a link-local (metadata service) address', async () => {
    const intermediate = await ca('Diag Metadata Intermediate', root);
    const r = await probe(
      await serve(await leafOf(intermediate, 'http://169.254.169.254/latest/meta-data/')),
      [root.certPem],
      { fetchMissingIssuers: true },
    );
    expect(only(r, 'INCOMPLETE_CHAIN')).toContain('link-local address refused');
  });

  it('the deployed prober fetches only when FETCH_MISSING_ISSUERS=true', () => {
    const env = {
      EVENT_BUS_NAME: 'bus',
      PROBE_TIMEOUT_MS: '5000',
      PROBE_CONCURRENCY: '4',
      ...endpointsFileEnv(),
    };
    expect(probeConfigFromEnv(env).fetchMissingIssuers).toBe(false);
    expect(probeConfigFromEnv({ ...env, FETCH_MISSING_ISSUERS: 'true' }).fetchMissingIssuers).toBe(true);
  });
});
