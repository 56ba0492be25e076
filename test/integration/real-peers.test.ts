/**
 * Real server software as peers: nginx (TLS), postfix (SMTP STARTTLS, and without TLS for the
 * refusal path) and PostgreSQL (ssl=on, and ssl=off for the refusal path), private instances on
 * free loopback ports with certificates generated here. `.ci/install-peers.sh` installs them;
 * a missing binary fails these tests unless CERT_WATCH_SKIP_REAL_PEERS=1.
 */
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeTarget } from '../../lambda/sources/endpoint/probe';
import {
  NotTlsError,
  negotiateStarttls,
  type StarttlsProtocol,
  StarttlsRefusedError,
} from '../../lambda/sources/endpoint/starttls';
import type { ProbeOptions } from '../../lambda/sources/endpoint/types';
import { createChain, daysFrom, type GeneratedChain } from '../support/certs';
import {
  type PeerTls,
  type RealPeer,
  requireBinary,
  SKIP_REAL_PEERS,
  startNginx,
  startPostfix,
  startPostgres,
} from '../support/real-servers';

const now = new Date();
let chain: GeneratedChain;
let leafFingerprint: string;
let intermediateFingerprint: string;
const peers: Partial<Record<'nginx' | 'postfix' | 'postfixPlain' | 'postgres' | 'postgresPlain', RealPeer>> =
  {};

const peer = (name: keyof typeof peers): RealPeer => {
  const p = peers[name];
  if (!p) throw new Error(`${name} did not start`);
  return p;
};

const connect = async (port: number): Promise<net.Socket> => {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return socket;
};

/** Optional STARTTLS, then a TLS handshake: the certificates the server sent, leaf first. */
const fetchChain = async (
  port: number,
  protocol?: StarttlsProtocol,
): Promise<tls.DetailedPeerCertificate> => {
  const socket = await connect(port);
  try {
    if (protocol)
      await negotiateStarttls(socket, protocol, { host: 'localhost', signal: AbortSignal.timeout(10_000) });
    const secure = tls.connect({ socket, servername: 'localhost', rejectUnauthorized: false });
    secure.on('error', () => undefined);
    await once(secure, 'secureConnect');
    const cert = secure.getPeerCertificate(true);
    secure.destroy();
    return cert;
  } finally {
    socket.destroy();
  }
};

const refusal = async (port: number, protocol: StarttlsProtocol): Promise<Error> => {
  const socket = await connect(port);
  try {
    await negotiateStarttls(socket, protocol, { host: 'localhost', signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    return err as Error;
  } finally {
    socket.destroy();
  }
  throw new Error('expected STARTTLS to be refused');
};

const probeOptions = (): ProbeOptions => ({
  caPems: [chain.root.certPem],
  timeoutMs: 10_000,
  resolve: async () => [{ address: '127.0.0.1', family: 4 }],
});

it('a missing server binary fails with how to install it, rather than skipping', () => {
  expect(() => requireBinary('nginx', ['/nonexistent/sbin/nginx'])).toThrow(
    /nginx not found \(looked in \/nonexistent\/sbin\/nginx\): run `bash \.ci\/install-peers\.sh` \(\.ci\/run calls it\)/,
  );
});

describe.skipIf(SKIP_REAL_PEERS)('real server software as peers', () => {
  beforeAll(async () => {
    chain = await createChain({
      now,
      leaf: {
        commonName: 'localhost',
        dnsNames: ['localhost'],
        notBefore: daysFrom(now, -1),
        notAfter: daysFrom(now, 120),
      },
    });
    leafFingerprint = new X509Certificate(chain.leaf.certPem).fingerprint256;
    intermediateFingerprint = new X509Certificate(chain.intermediate.certPem).fingerprint256;
    const served: PeerTls = { chainPem: chain.chainPem, keyPem: chain.leaf.keyPem };
    const starts = {
      nginx: startNginx(served),
      postfix: startPostfix(served),
      postfixPlain: startPostfix(undefined),
      postgres: startPostgres(served),
      postgresPlain: startPostgres(undefined),
    };
    const settled = await Promise.allSettled(Object.values(starts));
    Object.keys(starts).forEach((name, i) => {
      const outcome = settled[i];
      if (outcome?.status === 'fulfilled') peers[name as keyof typeof peers] = outcome.value;
    });
    const failures = settled.flatMap((s) => (s.status === 'rejected' ? [(s.reason as Error).message] : []));
    if (failures.length > 0) throw new Error(`real peers failed to start:\n${failures.join('\n')}`);
  });

  afterAll(async () => {
    await Promise.all(Object.values(peers).map((p) => p.stop()));
  });

  describe('negotiateStarttls + tls.connect', () => {
    it('nginx serves the generated leaf and intermediate over TLS', async () => {
      const cert = await fetchChain(peer('nginx').port);
      expect(cert.fingerprint256).toBe(leafFingerprint);
      expect(cert.subject.CN).toBe('localhost');
      expect(cert.issuerCertificate.fingerprint256).toBe(intermediateFingerprint);
    });

    it('postfix: SMTP STARTTLS, then the generated certificate', async () => {
      const cert = await fetchChain(peer('postfix').port, 'smtp');
      expect(cert.fingerprint256).toBe(leafFingerprint);
      expect(cert.issuerCertificate.fingerprint256).toBe(intermediateFingerprint);
    });

    it('postfix without TLS: no STARTTLS in the EHLO reply is STARTTLS_REFUSED', async () => {
      const err = await refusal(peer('postfixPlain').port, 'smtp');
      expect(err).toBeInstanceOf(StarttlsRefusedError);
      const refused = err as StarttlsRefusedError;
      expect(refused.code).toBe('STARTTLS_REFUSED');
      expect(refused.message).toContain('does not advertise STARTTLS');
      expect(refused.reply).toMatch(/^250-mx\.cert-watch\.test/);
      expect(refused.reply).toContain('PIPELINING');
    });

    it('postgres ssl=on: SSLRequest answered S, then the generated certificate', async () => {
      const cert = await fetchChain(peer('postgres').port, 'postgres');
      expect(cert.fingerprint256).toBe(leafFingerprint);
      expect(cert.issuerCertificate.fingerprint256).toBe(intermediateFingerprint);
    });

    it("postgres ssl=off: SSLRequest answered 'N' is STARTTLS_REFUSED", async () => {
      const err = await refusal(peer('postgresPlain').port, 'postgres');
      expect(err).toBeInstanceOf(StarttlsRefusedError);
      expect(err.message).toContain('server does not accept SSL');
      expect((err as StarttlsRefusedError).reply).toBe('N');
    });

    it('postfix spoken to as PostgreSQL is NOT_TLS, not a hang', async () => {
      const err = await refusal(peer('postfix').port, 'postgres');
      expect(err).toBeInstanceOf(NotTlsError);
    });
  });

  describe('probeTarget against the real peers', () => {
    it('nginx: status ok, the generated leaf, chain leaf + intermediate', async () => {
      const [result] = await probeTarget(
        { host: '127.0.0.1', servername: 'localhost', port: peer('nginx').port },
        probeOptions(),
      );
      expect(result?.error).toBeNull();
      expect(result?.status).toBe('ok');
      expect(result?.problems).toEqual([]);
      expect(result?.leaf?.fingerprintSha256).toBe(leafFingerprint);
      expect(result?.chain.map((c) => c.role)).toEqual(['leaf', 'intermediate']);
    });

    it('postfix: status ok through SMTP STARTTLS', async () => {
      const [result] = await probeTarget(
        { host: '127.0.0.1', servername: 'localhost', port: peer('postfix').port, starttls: 'smtp' },
        probeOptions(),
      );
      expect(result?.error).toBeNull();
      expect(result?.status).toBe('ok');
      expect(result?.starttls).toBe('smtp');
      expect(result?.leaf?.fingerprintSha256).toBe(leafFingerprint);
    });

    it('postgres: status ok through SSLRequest', async () => {
      const [result] = await probeTarget(
        { host: '127.0.0.1', servername: 'localhost', port: peer('postgres').port, starttls: 'postgres' },
        probeOptions(),
      );
      expect(result?.error).toBeNull();
      expect(result?.status).toBe('ok');
      expect(result?.leaf?.fingerprintSha256).toBe(leafFingerprint);
    });

    it('postfix without TLS: error STARTTLS_REFUSED with the EHLO reply', async () => {
      const [result] = await probeTarget(
        { host: '127.0.0.1', servername: 'localhost', port: peer('postfixPlain').port, starttls: 'smtp' },
        probeOptions(),
      );
      expect(result?.status).toBe('error');
      expect(result?.error?.code).toBe('STARTTLS_REFUSED');
      expect(result?.error?.message).toContain('250-mx.cert-watch.test');
    });

    it('postgres ssl=off: error STARTTLS_REFUSED', async () => {
      const [result] = await probeTarget(
        {
          host: '127.0.0.1',
          servername: 'localhost',
          port: peer('postgresPlain').port,
          starttls: 'postgres',
        },
        probeOptions(),
      );
      expect(result?.status).toBe('error');
      expect(result?.error?.code).toBe('STARTTLS_REFUSED');
      expect(result?.error?.message).toContain('does not accept SSL');
    });
  });
});
