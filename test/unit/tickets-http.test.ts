import { describe, expect, it } from 'vitest';
import {
  type HttpOptions,
  requestJson,
  TicketAuthError,
  TicketNotFoundError,
  TicketOutcomeUnknownError,
  TicketRequestError,
  TicketUnavailableError,
} from '../../lambda/channels/tickets';
import type { HttpResponseLike } from '../../lambda/channels/webhook-delivery';

const reply = (status: number, body = '', headers: Record<string, string> = {}): HttpResponseLike => ({
  status,
  headers: { get: (n: string) => headers[n.toLowerCase()] ?? null },
  text: async () => body,
});

const options = (answers: (HttpResponseLike | Error)[], over: Partial<HttpOptions> = {}) => {
  const sleeps: number[] = [];
  const seen: { url: string; method: string; headers: Record<string, string>; body?: string }[] = [];
  const opts: HttpOptions = {
    fetch: async (url, init) => {
      seen.push({ url, method: init.method, headers: init.headers, body: init.body });
      const a = answers.shift();
      if (!a) throw new Error('no more answers');
      if (a instanceof Error) throw a;
      return a;
    },
    timeoutMs: 1000,
    maxAttempts: 3,
    remainingMs: () => 60_000,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    now: () => 0,
    random: () => 0.5,
    ...over,
  };
  return { opts, sleeps, seen };
};

const req = {
  system: 'jira(main)',
  method: 'POST' as const,
  url: 'https://acme.atlassian.net/rest/api/3/issue',
  headers: { authorization: 'Basic c2VjcmV0LXRva2Vu' },
  body: { a: 1 },
  secrets: ['secret-token', 'c2VjcmV0LXRva2Vu'],
};

describe('requestJson', () => {
  it('sends JSON and parses the answer', async () => {
    const { opts, seen } = options([reply(201, '{"key":"OPS-1"}')]);
    expect(await requestJson(req, opts)).toEqual({ status: 201, body: { key: 'OPS-1' } });
    expect(seen[0]).toMatchObject({
      method: 'POST',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json; charset=utf-8', accept: 'application/json' },
    });
  });

  it('waits Retry-After on 429, backs off with jitter on 5xx, then succeeds', async () => {
    const { opts, sleeps } = options([reply(429, '', { 'retry-after': '3' }), reply(502), reply(204)]);
    expect(await requestJson(req, opts)).toEqual({ status: 204, body: null });
    expect(sleeps).toEqual([3000, 250]);
  });

  it('gives up as TicketUnavailableError (retryable) after every attempt', async () => {
    const { opts } = options([reply(503), new TypeError('fetch failed'), reply(500)]);
    const error = await requestJson(req, opts).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TicketUnavailableError);
    expect(error).toMatchObject({ retryable: true, status: 500 });
  });

  it('does not wait past the time left', async () => {
    const { opts, sleeps } = options([reply(429, '', { 'retry-after': '120' })]);
    await expect(requestJson(req, opts)).rejects.toThrow(/exceeds the time left/);
    expect(sleeps).toEqual([]);
  });

  it.each([
    [401, TicketAuthError],
    [403, TicketAuthError],
    [404, TicketNotFoundError],
    [400, TicketRequestError],
  ])('turns %i into a named error at once (no retry)', async (status, type) => {
    const { opts, seen } = options([reply(status, '{"errorMessages":["no"]}')]);
    const error = await requestJson(req, opts).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toBe(
      `jira(main) POST /rest/api/3/issue: HTTP ${status}: {"errorMessages":["no"]}`,
    );
    expect(seen).toHaveLength(1);
  });

  it('redacts the credentials from error messages', async () => {
    const { opts } = options([reply(400, 'echo: Basic c2VjcmV0LXRva2Vu secret-token')]);
    const error = (await requestJson(req, opts).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('[redacted]');
    expect(error.message).not.toContain('secret-token');
    expect(error.message).not.toContain('c2VjcmV0LXRva2Vu');
  });
});

describe('a request that creates a ticket (not idempotent)', () => {
  const create = { ...req, idempotent: false };
  const timeout = () =>
    Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });
  const refused = () =>
    Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });

  it.each([
    ['a 5xx', () => reply(502, 'bad gateway')],
    ['a timeout', timeout],
    [
      'a dropped connection',
      () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } }),
    ],
  ])('is not repeated after %s: the outcome is unknown', async (_what, answer) => {
    const { opts, seen } = options([answer(), reply(201, '{"key":"OPS-2"}')]);
    const error = await requestJson(create, opts).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TicketOutcomeUnknownError);
    expect((error as Error).message).toContain('may have taken effect');
    expect(seen).toHaveLength(1);
  });

  it('is repeated after a 429 or a connection that was never made (nothing happened)', async () => {
    const { opts, seen } = options([
      reply(429, '', { 'retry-after': '1' }),
      refused(),
      reply(201, '{"key":"OPS-1"}'),
    ]);
    expect((await requestJson(create, opts)).body).toEqual({ key: 'OPS-1' });
    expect(seen).toHaveLength(3);
  });

  it('an idempotent request (a search) is still retried after a 5xx', async () => {
    const { opts, seen } = options([reply(503), reply(200, '{"issues":[]}')]);
    expect((await requestJson(req, opts)).body).toEqual({ issues: [] });
    expect(seen).toHaveLength(2);
  });
});

it('redacts before cutting: a secret straddling the excerpt limit leaves no prefix behind', async () => {
  const body = `${'x'.repeat(290)}secret-token and more`;
  const { opts } = options([reply(400, body)]);
  const error = (await requestJson(req, opts).catch((e: unknown) => e)) as Error;
  expect(error).toBeInstanceOf(TicketRequestError);
  expect(error.message).not.toContain('secret-');
  expect(error.message).toContain('[redac');
});
