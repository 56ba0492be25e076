/**
 * Outbound calls follow redirects only to the origin the configuration names (webhooks, ticket
 * APIs, AIA issuer fetches), and redact secrets from the whole answer before cutting an excerpt.
 * Real local HTTP servers; the real global fetch.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requestJson, type TicketFetch, TicketRequestError } from '../../lambda/channels/tickets/http';
import {
  type DeliveryOptions,
  deliverWebhook,
  type FetchLike,
  type RetryPolicy,
} from '../../lambda/channels/webhook-delivery';
import { AiaFetchError, fetchIssuerCertificate } from '../../lambda/sources/endpoint/aia';
import { createChain, daysFrom } from '../support/certs';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receivers';

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly authorization?: string;
  readonly body: string;
}

/** A server answering each request with `answer(req)`, recording what it saw. */
const startServer = async (
  answer: (
    req: IncomingMessage,
    base: string,
  ) => { status: number; headers?: Record<string, string>; body?: string | Buffer },
) => {
  const seen: Seen[] = [];
  let base = '';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const a = answer(req, base);
      res.writeHead(a.status, a.headers ?? {});
      res.end(a.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** The retry policy both clients take; the real global fetch, as the handlers use it. */
const retries: RetryPolicy = {
  timeoutMs: 5000,
  maxAttempts: 2,
  remainingMs: () => 30_000,
  sleep: async () => {},
  now: Date.now,
  random: () => 0,
};
const webhookFetch: FetchLike = (url, init) => fetch(url, init);
const policy = (): DeliveryOptions => ({ ...retries, fetch: webhookFetch });

let elsewhere: WebhookReceiver;
let closers: (() => Promise<void>)[] = [];
beforeAll(async () => {
  elsewhere = await startReceiver('webhook');
});
afterAll(() => elsewhere.close());
afterEach(async () => {
  await Promise.all(closers.map((c) => c()));
  closers = [];
  elsewhere.requests.length = 0;
});

const serve = async (...args: Parameters<typeof startServer>) => {
  const s = await startServer(...args);
  closers.push(s.close);
  return s;
};

describe('webhook notifier', () => {
  it('does not follow a redirect to another origin: nothing is posted there, and the reason names status and origin', async () => {
    const target = new URL(elsewhere.url);
    const hook = await serve(() => ({ status: 307, headers: { location: elsewhere.url } }));
    const outcome = await deliverWebhook(
      `${hook.base}/services/T0/B0/SECRETPATH`,
      '{"text":"alert"}',
      policy(),
    );
    expect(elsewhere.requests).toEqual([]);
    expect(hook.seen).toHaveLength(1);
    expect(outcome).toEqual({
      outcome: 'permanent',
      status: 307,
      attempts: 1,
      reason: `HTTP 307 redirect to another origin (${target.origin}) refused; nothing was sent there`,
    });
  });

  it('follows a same-origin 308 with the same body, and at most 3 hops of a loop', async () => {
    const hook = await serve((req) =>
      req.url === '/moved' ? { status: 200 } : { status: 308, headers: { location: '/moved' } },
    );
    const ok = await deliverWebhook(`${hook.base}/old`, '{"text":"alert"}', policy());
    expect(ok).toMatchObject({ outcome: 'delivered', status: 200 });
    expect(hook.seen.map((s) => [s.method, s.path, s.body])).toEqual([
      ['POST', '/old', '{"text":"alert"}'],
      ['POST', '/moved', '{"text":"alert"}'],
    ]);

    const loop = await serve((req) => ({ status: 307, headers: { location: `${req.url}x` } }));
    const refused = await deliverWebhook(`${loop.base}/a`, '{}', policy());
    expect(refused).toMatchObject({
      outcome: 'permanent',
      reason: 'HTTP 307: more than 3 redirects; not followed',
    });
    expect(loop.seen).toHaveLength(4);
  });

  it('does not turn the POST into a GET on a same-origin 302', async () => {
    const hook = await serve(() => ({ status: 302, headers: { location: '/elsewhere' } }));
    const outcome = await deliverWebhook(`${hook.base}/a`, '{}', policy());
    expect(outcome).toMatchObject({ outcome: 'permanent', status: 302 });
    expect(hook.seen).toHaveLength(1);
  });

  it('redacts the URL token from the whole answer before cutting it to 300 characters', async () => {
    const token = 'XXXXSECRETXXXXTOKEN';
    // The receiver echoes the token (without the URL around it) across the excerpt limit.
    const hook = await serve(() => ({ status: 400, body: `${'x'.repeat(290)}${token} rest` }));
    const outcome = await deliverWebhook(`${hook.base}/services/T0/B0/${token}`, '{}', policy());
    expect(outcome.outcome).toBe('permanent');
    const reason = (outcome as { reason: string }).reason;
    expect(reason).not.toContain('XXXXSECRET');
    expect(reason).toContain('[redac');
  });
});

describe('ticket connectors', () => {
  const ticketFetch: TicketFetch = (url, init) => fetch(url, init);
  const http = { ...retries, maxAttempts: 1, fetch: ticketFetch };
  const request = (url: string, method: 'GET' | 'POST' = 'GET') => ({
    method,
    url,
    headers: { authorization: 'Bearer jira-api-token-123456' },
    ...(method === 'POST' ? { body: { summary: 'x' } } : {}),
    secrets: ['jira-api-token-123456'],
    system: 'jira',
  });

  it('never sends the Authorization header to another origin a redirect names', async () => {
    const other = await serve(() => ({ status: 200, body: '{}' }));
    const jira = await serve(() => ({ status: 302, headers: { location: `${other.base}/steal` } }));
    const error = await requestJson(request(`${jira.base}/rest/api/3/search`), http).catch((e: unknown) => e);
    expect(other.seen).toEqual([]);
    expect(error).toBeInstanceOf(TicketRequestError);
    expect((error as Error).message).toBe(
      `jira GET /rest/api/3/search: HTTP 302 redirect to another origin (${other.base}) refused; nothing was sent there`,
    );
  });

  it('follows a same-origin redirect of a search (GET), with its credentials', async () => {
    const jira = await serve((req) =>
      req.url === '/new/search'
        ? { status: 200, body: '{"issues":[]}' }
        : { status: 301, headers: { location: '/new/search' } },
    );
    expect((await requestJson(request(`${jira.base}/rest/api/3/search`), http)).body).toEqual({ issues: [] });
    expect(jira.seen.map((s) => s.authorization)).toEqual([
      'Bearer jira-api-token-123456',
      'Bearer jira-api-token-123456',
    ]);
  });

  it('redacts an echoed Authorization value and bearer token it was not configured with', async () => {
    const jira = await serve(() => ({
      status: 400,
      body: '{"error":"bad","authorization":"Basic b3RoZXI6cGFzc3dvcmQxMjM0NTY=","hint":"Bearer ghp_abcdefghijklmnopqrstuvwxyz0123456789"}',
    }));
    const error = (await requestJson(request(`${jira.base}/x`), http).catch((e: unknown) => e)) as Error;
    expect(error.message).not.toContain('b3RoZXI6');
    expect(error.message).not.toContain('ghp_');
    expect(error.message).toContain('"authorization":"[redacted]"');
  });
});

describe('AIA issuer fetches', () => {
  it('follow a same-origin redirect and refuse one to another origin', async () => {
    const now = new Date();
    const chain = await createChain({
      now,
      leaf: { commonName: 'aia.example.com', notBefore: daysFrom(now, -1), notAfter: daysFrom(now, 90) },
    });
    const der = Buffer.from(chain.intermediate.cert.rawData);
    const other = await serve(() => ({ status: 200, body: der }));
    const ca = await serve((req) => {
      if (req.url === '/ca.crt') return { status: 200, body: der };
      if (req.url === '/old.crt') return { status: 301, headers: { location: '/ca.crt' } };
      return { status: 302, headers: { location: `${other.base}/ca.crt` } };
    });
    const fetched = await fetchIssuerCertificate(`${ca.base}/old.crt`);
    expect(fetched.subject).toContain('Test Intermediate CA');
    const error = await fetchIssuerCertificate(`${ca.base}/moved.crt`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AiaFetchError);
    expect((error as Error).message).toBe(
      `HTTP 302 redirect to another origin (${other.base}) refused; nothing was sent there`,
    );
    expect(other.seen).toEqual([]);
  });
});
