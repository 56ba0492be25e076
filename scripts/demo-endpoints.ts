/**
 * The demo's endpoints: real local TLS servers with generated certificates (good, expiring,
 * expired, wrong host, self-signed, an expiring intermediate) and a port nobody listens on.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EndpointTarget } from '../lambda/sources/endpoint/types';
import { createCertificate, daysFrom } from '../test/support/certs';
import { closedPort, pemChain, type RunningServer, startTlsServer } from '../test/support/tls-servers';

export interface DemoEndpoints {
  readonly targets: EndpointTarget[];
  /** The demo's private root CA (PEM file), trusted like a company CA would be. */
  readonly caFile: string;
  readonly endpointsFile: string;
  readonly describe: Record<string, string>;
  stop(): Promise<void>;
}

export const startDemoEndpoints = async (): Promise<DemoEndpoints> => {
  const now = new Date();
  const dir = mkdtempSync(join(tmpdir(), 'cew-demo-'));
  const servers: RunningServer[] = [];
  try {
    const root = await createCertificate({
      commonName: 'Demo Root CA',
      notBefore: daysFrom(now, -3650),
      notAfter: daysFrom(now, 3650),
      isCa: true,
    });
    const leafChain = async (name: string, leafDays: number, intermediateDays = 1000) => {
      const intermediate = await createCertificate({
        commonName: 'Demo Intermediate CA',
        notBefore: daysFrom(now, -365),
        notAfter: daysFrom(now, intermediateDays),
        issuer: root,
        isCa: true,
      });
      const leaf = await createCertificate({
        commonName: name,
        dnsNames: [name],
        notBefore: daysFrom(now, -60),
        notAfter: daysFrom(now, leafDays),
        issuer: intermediate,
      });
      return { key: leaf.keyPem, cert: pemChain(leaf.certPem, intermediate.certPem) };
    };
    const cases: { label: string; serve: () => Promise<{ key: string; cert: string }> }[] = [
      { label: 'healthy, 200 days', serve: () => leafChain('localhost', 200) },
      { label: 'leaf expires in 5 days', serve: () => leafChain('localhost', 5.5) },
      { label: 'leaf expired 2 days ago', serve: () => leafChain('localhost', -2) },
      {
        label: 'intermediate expires in 10 days, before the leaf',
        serve: () => leafChain('localhost', 300, 10.5),
      },
      { label: 'certificate for another host', serve: () => leafChain('www.example.org', 200) },
      {
        label: 'self-signed',
        serve: async () => {
          const c = await createCertificate({
            commonName: 'localhost',
            notBefore: daysFrom(now, -1),
            notAfter: daysFrom(now, 90),
          });
          return { key: c.keyPem, cert: c.certPem };
        },
      },
    ];
    const describe: Record<string, string> = {};
    const targets: EndpointTarget[] = [];
    for (const c of cases) {
      const server = await startTlsServer(await c.serve());
      servers.push(server);
      // The address with the name as SNI: one address on every machine, checked as a real host would be.
      targets.push({
        host: '127.0.0.1',
        servername: 'localhost',
        port: server.port,
        labels: { case: c.label },
      });
      describe[`127.0.0.1:${server.port}`] = c.label;
    }
    const refused = await closedPort();
    targets.push({
      host: '127.0.0.1',
      servername: 'localhost',
      port: refused,
      labels: { case: 'nothing listening' },
    });
    describe[`127.0.0.1:${refused}`] = 'nothing listening';
    const caFile = join(dir, 'demo-root-ca.pem');
    writeFileSync(caFile, root.certPem);
    const endpointsFile = join(dir, 'endpoints.json');
    writeFileSync(endpointsFile, JSON.stringify(targets));
    return {
      targets,
      caFile,
      endpointsFile,
      describe,
      stop: async () => {
        await Promise.all(servers.map((s) => s.close()));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(servers.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
};
