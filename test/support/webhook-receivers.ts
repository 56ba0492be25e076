/**
 * Local HTTPS servers (test CA: local-https.ts) that play chat webhooks by their documented contracts, recording every
 * request; plus sample watcher events (real builders, EventBridge envelope) for the chat tests.
 *
 * Receivers (each on a free loopback port, closed by `close()`):
 * - Slack incoming webhook: 200 `ok`; 400 `invalid_payload` for a body that is not JSON with
 *   `text` or `blocks`; scripted 429 (`Retry-After`) / 5xx / 404 `no_service` answers.
 * - Teams Workflows webhook: 202 Accepted (empty body) for a message with an Adaptive Card.
 * - Google Chat webhook: 200 with the created message (JSON) when `cardsV2` or `text` is present.
 * - Generic webhook: 200.
 */
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { WatcherEvent } from '../../lambda/channels/format/view';
import type { CertificateRecord } from '../../lambda/core/certificate';
import { endpointCheckFailedEvent } from '../../lambda/core/endpoint-events';
import { DEFAULT_THRESHOLDS, evaluate } from '../../lambda/core/evaluate';
import {
  type BusEvent,
  certificateEvent,
  DEFAULT_EVENT_SOURCE,
  DetailType,
  scanCompletedEvent,
} from '../../lambda/core/events';
import { type LifecycleInfo, lifecycleEvent } from '../../lambda/lifecycle/lifecycle-events';
import { localTls } from './local-https';

export type ReceiverKind = 'slack' | 'teams' | 'google-chat' | 'webhook';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly json: unknown;
  readonly status: number;
}

/** A scripted answer for the next request(s); when the script is empty the receiver behaves normally. */
export interface ScriptedReply {
  readonly status: number;
  /** Answer this late (a slow receiver, to exercise client timeouts). */
  readonly delayMs?: number;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

export interface WebhookReceiver {
  readonly kind: ReceiverKind;
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Answers to give before normal behaviour resumes, in order. */
  readonly script: ScriptedReply[];
  close(): Promise<void>;
}

const parseJson = (s: string): unknown => {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
};

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const normalReply = (kind: ReceiverKind, json: unknown): ScriptedReply => {
  switch (kind) {
    case 'slack':
      return isObj(json) && (typeof json.text === 'string' || Array.isArray(json.blocks))
        ? { status: 200, body: 'ok', headers: { 'content-type': 'text/html' } }
        : { status: 400, body: 'invalid_payload', headers: { 'content-type': 'text/html' } };
    case 'teams':
      return isObj(json) && json.type === 'message' && Array.isArray(json.attachments)
        ? { status: 202 }
        : { status: 400, body: '{"error":{"code":"InvalidRequestContent"}}' };
    case 'google-chat':
      return isObj(json) && (Array.isArray(json.cardsV2) || typeof json.text === 'string')
        ? {
            status: 200,
            body: JSON.stringify({ name: 'spaces/AAAA/messages/1', thread: json.thread ?? {} }),
            headers: { 'content-type': 'application/json' },
          }
        : { status: 400, body: '{"error":{"code":400,"status":"INVALID_ARGUMENT"}}' };
    default:
      return { status: 200, body: '' };
  }
};

/** The path part each webhook's URL has (so tests can check the notifier posts to the URL from the secret). */
const PATHS: Record<ReceiverKind, string> = {
  slack: '/services/T0000/B0000/XXXXSECRETXXXX',
  teams: '/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=SECRETSIG',
  'google-chat': '/v1/spaces/AAAA/messages?key=SECRETKEY&token=SECRETTOKEN',
  webhook: '/hooks/cert-watch?token=SECRETTOKEN',
};

export const startReceiver = async (kind: ReceiverKind): Promise<WebhookReceiver> => {
  const requests: RecordedRequest[] = [];
  const script: ScriptedReply[] = [];
  const { key, cert } = await localTls();
  const server: Server = createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const json = parseJson(body);
      const url = new URL(req.url ?? '/', 'http://localhost');
      const reply = script.shift() ?? normalReply(kind, json);
      requests.push({
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body,
        json,
        status: reply.status,
      });
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(reply.status, reply.headers ?? {});
        res.end(reply.body ?? '');
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs).unref();
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    kind,
    url: `https://127.0.0.1:${port}${PATHS[kind]}`,
    requests,
    script,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** A loopback URL nothing listens on (connection refused): a port that was free a moment ago. */
export const refusedUrl = async (): Promise<string> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `https://127.0.0.1:${port}/services/T0000/B0000/DOWNSECRET`;
};

// ---------------------------------------------------------------------------------------------
// Sample watcher events, built by the real event builders and wrapped as EventBridge delivers them.

export const NOW = new Date('2026-11-25T12:00:00.000Z');
const DAY = 86_400_000;
export const ACM_ARN = 'arn:aws:acm:eu-west-1:111122223333:certificate/c9aacbd8-d29f-48cb-9d94-426fb0023a11';

export const envelope = (e: BusEvent, id = '11111111-2222-3333-4444-555555555555'): WatcherEvent => ({
  version: '0',
  id,
  'detail-type': e.detailType,
  source: DEFAULT_EVENT_SOURCE,
  account: '111122223333',
  time: e.time.toISOString(),
  region: 'eu-west-1',
  resources: e.resources,
  detail: JSON.parse(JSON.stringify(e.detail)),
});

export const acmRecord = (over: Partial<CertificateRecord> = {}): CertificateRecord => ({
  source: 'acm',
  id: ACM_ARN,
  region: 'eu-west-1',
  account: '111122223333',
  domain: 'api.example.com',
  sans: ['api.example.com', 'www.api.example.com'],
  subject: 'CN=api.example.com',
  issuer: 'Example Issuing CA',
  type: 'IMPORTED',
  notBefore: new Date(NOW.getTime() - 60 * DAY),
  notAfter: new Date(NOW.getTime() + 3 * DAY + 3_600_000),
  ...over,
});

export const endpointRecord = (over: Partial<CertificateRecord> = {}): CertificateRecord => ({
  source: 'endpoint',
  id: 'shop.example.com:443@192.0.2.10',
  domain: 'shop.example.com',
  sans: ['shop.example.com'],
  subject: 'CN=shop.example.com',
  issuer: 'Example Issuing CA',
  type: 'UNMANAGED',
  notBefore: new Date(NOW.getTime() - 400 * DAY),
  notAfter: new Date(NOW.getTime() - 2 * DAY),
  labels: { team: 'web' },
  ...over,
});

const certEvent = (r: CertificateRecord, ctx: Partial<Parameters<typeof certificateEvent>[2]> = {}) =>
  certificateEvent(r, evaluate(r, NOW, DEFAULT_THRESHOLDS), { scanId: 'scan-1', now: NOW, ...ctx });

/** A lifecycle event of `record` at NOW, evaluated with the default thresholds. */
const lifecycleSample = (
  record: CertificateRecord,
  lifecycle: Partial<LifecycleInfo> & Pick<LifecycleInfo, 'transition'>,
  o: { scanId: string; idParts: (string | number)[]; location: string; identity: string },
) =>
  envelope(
    lifecycleEvent({
      record,
      evaluation: evaluate(record, NOW, DEFAULT_THRESHOLDS),
      lifecycle: {
        tierDays: null,
        previousTierDays: null,
        reminderCount: 0,
        acked: false,
        thresholdBasis: 'days',
        firstSeenAt: NOW.toISOString(),
        ...lifecycle,
      },
      scanId: o.scanId,
      now: NOW,
      problems: [],
      idParts: o.idParts,
      location: o.location,
      identity: o.identity,
    }),
  );

export const sampleEvents = {
  expiring: () => envelope(certEvent(acmRecord())),
  expired: () => envelope(certEvent(endpointRecord())),
  misconfigured: () =>
    envelope(
      certEvent(
        endpointRecord({
          domain: 'www.example.org',
          id: 'www.example.org:443@198.51.100.7',
          sans: ['example.org'],
          notAfter: new Date(NOW.getTime() + 200 * DAY),
        }),
        {
          detailType: DetailType.EndpointMisconfigured,
          problems: [
            {
              code: 'HOSTNAME_MISMATCH',
              message: 'certificate is valid for example.org, not www.example.org',
            },
          ],
        },
      ),
    ),
  checkFailed: () =>
    envelope(
      endpointCheckFailedEvent(
        {
          target: 'mail.example.com:587',
          host: 'mail.example.com',
          port: 587,
          address: '192.0.2.25',
          servername: 'mail.example.com',
          starttls: 'smtp',
          labels: { team: 'mail' },
          owner: 'mail-team@example.com',
        },
        { code: 'STARTTLS_REFUSED', message: 'server does not advertise STARTTLS' },
        { scanId: 'scan-2', now: NOW },
      ),
    ),
  renewed: () => {
    const record = acmRecord({ notAfter: new Date(NOW.getTime() + 395 * DAY) });
    return envelope(
      lifecycleEvent({
        record,
        evaluation: evaluate(record, NOW, DEFAULT_THRESHOLDS),
        lifecycle: {
          transition: 'renewed',
          tierDays: null,
          previousTierDays: 3,
          reminderCount: 0,
          acked: false,
          thresholdBasis: 'days',
          firstSeenAt: '2025-11-25T12:00:00.000Z',
          previous: { notAfter: '2026-11-28T13:00:00.000Z' },
          resolves: 'tier-entered',
        },
        scanId: 'scan-3',
        now: NOW,
        problems: [],
        idParts: ['2027-12-25'],
        location: ACM_ARN,
        identity: 'serial-2',
      }),
    );
  },
  removed: () => {
    const record = acmRecord();
    return envelope(
      lifecycleEvent({
        record,
        evaluation: evaluate(record, NOW, DEFAULT_THRESHOLDS),
        lifecycle: {
          transition: 'removed',
          tierDays: null,
          previousTierDays: 3,
          reminderCount: 0,
          acked: false,
          thresholdBasis: 'days',
          firstSeenAt: '2025-11-25T12:00:00.000Z',
          missingScans: 3,
          resolves: 'tier-entered',
        },
        scanId: 'scan-4',
        now: NOW,
        problems: [],
        idParts: [],
        location: ACM_ARN,
        identity: 'serial-1',
      }),
    );
  },
  notYetValid: () =>
    lifecycleSample(
      acmRecord({
        notBefore: new Date(NOW.getTime() + 2 * DAY),
        notAfter: new Date(NOW.getTime() + 397 * DAY),
      }),
      { transition: 'not-yet-valid' },
      { scanId: 'scan-5', idParts: [], location: ACM_ARN, identity: 'serial-3' },
    ),
  // The certificate of `notYetValid`, valid since an hour.
  nowValid: () =>
    lifecycleSample(
      acmRecord({
        notBefore: new Date(NOW.getTime() - 3_600_000),
        notAfter: new Date(NOW.getTime() + 397 * DAY),
      }),
      {
        transition: 'now-valid',
        reminderCount: 1,
        firstSeenAt: '2026-11-23T12:00:00.000Z',
        resolves: 'not-yet-valid-reminder',
      },
      { scanId: 'scan-6', idParts: [], location: ACM_ARN, identity: 'serial-3' },
    ),
  recovered: () =>
    lifecycleSample(
      endpointRecord({
        domain: 'www.example.org',
        id: 'www.example.org:443@198.51.100.7',
        sans: ['www.example.org'],
        notAfter: new Date(NOW.getTime() + 200 * DAY),
      }),
      {
        transition: 'recovered',
        reminderCount: 2,
        firstSeenAt: '2026-10-01T12:00:00.000Z',
        resolves: 'misconfigured',
        problemSince: '2026-11-23T12:00:00.000Z',
        resolvedProblems: [
          { code: 'HOSTNAME_MISMATCH', message: 'certificate is valid for example.org, not www.example.org' },
        ],
      },
      {
        scanId: 'scan-7',
        idParts: ['recovered'],
        location: 'www.example.org:443@198.51.100.7',
        identity: '',
      },
    ),
  scanCompleted: () =>
    envelope(
      scanCompletedEvent({
        scanId: 'scan-1',
        source: 'acm',
        startedAt: NOW.toISOString(),
        finishedAt: NOW.toISOString(),
        durationMs: 48,
        scopesScanned: ['acm#111122223333#eu-west-1'],
        scopesFailed: [],
        counts: { total: 8, ok: 2, warning: 2, critical: 2, expired: 2 },
        eventsPublished: 6,
      }),
    ),
  unknown: (): WatcherEvent => ({
    version: '0',
    id: '99999999-2222-3333-4444-555555555555',
    'detail-type': 'Certificate Teleported',
    source: DEFAULT_EVENT_SOURCE,
    account: '111122223333',
    time: NOW.toISOString(),
    region: 'eu-west-1',
    resources: [],
    detail: { schemaVersion: '9.0', somethingNew: { nested: [1, 2, 3] } },
  }),
};

/** Hostile certificate fields, as raw detail (not clipped by the builders): formatters must cope alone. */
export const HOSTILE_NAME =
  '*pwn* _x_ <!here> @channel <@U024BE7LH> [click](https://evil.example) # <b>x</b>&amp; \u202Egpj.exe';
export const hostileEvent = (
  over: { domain?: string; sans?: string[]; subject?: string } = {},
): WatcherEvent => {
  const base = sampleEvents.expiring();
  const detail = base.detail as { certificate: Record<string, unknown> };
  const sans = over.sans ?? Array.from({ length: 10_000 }, (_, i) => `host-${i}.<!channel>.example.com`);
  return {
    ...base,
    detail: {
      ...detail,
      certificate: {
        ...detail.certificate,
        domain: over.domain ?? HOSTILE_NAME,
        sans,
        sanCount: sans.length,
        subject: over.subject ?? `CN=${'A'.repeat(100 * 1024)}`,
        issuer: 'مرحبا \u2067RTL issuer\u2069 Ünïcødé ©',
      },
    },
  };
};
