/**
 * Credentials and alerts travel over HTTPS only: a clear-text ticket base URL or webhook URL is
 * refused at configuration and at runtime, loopback included (a real plain-HTTP server receives
 * nothing). The local contract servers run over real TLS with a test CA (support/local-https.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidWebhookSecretError, webhookUrlFrom } from '../../lambda/channels/destinations';
import { parseConnector } from '../../lambda/contracts/ticket-connectors';
import { makeNotifyHandler } from '../../lambda/handlers/make-notify-handler';
import { jsonLogger } from '../../lambda/shared/logger';
import { TicketChannel } from '../../lib/channels/tickets';
import { localHttpsFetch } from '../support/local-https';
import { sampleEvents, startReceiver, type WebhookReceiver } from '../support/webhook-receivers';

let plain: Server;
let plainUrl: string;
const plainRequests: string[] = [];
let tls: WebhookReceiver;

beforeAll(async () => {
  plain = createServer((req, res) => {
    plainRequests.push(req.url ?? '');
    res.end('ok');
  });
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
  tls = await startReceiver('slack');
});
afterAll(async () => {
  plain.closeAllConnections();
  await new Promise<void>((resolve) => plain.close(() => resolve()));
  await tls.close();
});

const record = (body: string): SQSRecord =>
  ({
    messageId: 'm1',
    receiptHandle: 'rh',
    body,
    attributes: {},
    messageAttributes: {},
  }) as unknown as SQSRecord;

const notify = async (url: string) => {
  const lines: string[] = [];
  const handler = makeNotifyHandler({
    config: {
      destinations: [{ name: 'ops', kind: 'slack', secretId: 'cert-watch/slack' }],
      timeoutMs: 2000,
      maxAttempts: 1,
      secretCacheTtlMs: 60_000,
    },
    secrets: { get: async () => url },
    fetch: localHttpsFetch,
    logger: jsonLogger({ component: 'notifier' }, (l) => lines.push(l)),
  });
  const body = JSON.stringify({
    Type: 'Notification',
    MessageId: 'n1',
    Message: JSON.stringify(sampleEvents.expired()),
  });
  const result = await handler({ Records: [record(body)] });
  return { result, lines };
};

describe('webhook URLs', () => {
  it('a webhook secret holding an http:// URL is refused, to this machine too: the plain server receives nothing', async () => {
    const { lines } = await notify(`${plainUrl}/services/T0/B0/SECRET`);
    expect(plainRequests).toEqual([]);
    expect(lines.join('\n')).toContain(
      'secret cert-watch/slack: InvalidWebhookSecretError: secret cert-watch/slack holds a non-HTTPS webhook URL',
    );
    expect(lines.join('\n')).not.toContain('SECRET"');
  });

  it('the same alert over HTTPS (test CA) is delivered', async () => {
    await notify(tls.url);
    expect(tls.requests).toHaveLength(1);
  });

  it.each([
    'http://127.0.0.1:8080/hook',
    'http://localhost/hook',
    'http://[::1]/hook',
    '{"url":"http://hooks.example.com/x"}',
  ])('webhookUrlFrom refuses %s', (value) => {
    expect(() => webhookUrlFrom(value, 'slack', 'cert-watch/slack')).toThrow(InvalidWebhookSecretError);
  });
});

describe('ticket base URLs', () => {
  const base = { name: 'x', secretId: 'cert-watch/x' };
  it.each([
    ['jira', { kind: 'jira', project: 'OPS' }],
    ['servicenow', { kind: 'servicenow' }],
    ['github (Enterprise Server)', { kind: 'github', owner: 'acme', repo: 'certs' }],
    ['pagerduty', { kind: 'pagerduty' }],
  ])('%s: http:// is refused at runtime and at synth, loopback included', (_name, fields) => {
    for (const baseUrl of ['http://127.0.0.1:8080', 'http://localhost', 'http://tickets.example.com']) {
      const entry = { ...base, ...fields, baseUrl };
      expect(() => parseConnector(entry, 'TICKET_CONNECTORS[0]')).toThrow(
        /TICKET_CONNECTORS\[0\]\.baseUrl must be an https:\/\/ URL \(credentials are sent with every request\)/,
      );
      expect(() => new TicketChannel(entry as never)).toThrow(
        /ticket connector 'x'\.baseUrl must be an https:\/\/ URL/,
      );
    }
    expect(parseConnector({ ...base, ...fields, baseUrl: 'https://tickets.example.com' }, 'c').name).toBe(
      'x',
    );
  });
});
