/**
 * The webhook notifier end to end, in-process (moto runs no Lambdas): SQS records carrying SNS
 * notifications of EventBridge events → real HTTP POSTs to local receivers that answer as Slack,
 * Teams workflows and Google Chat do. Webhook URLs live in Secrets Manager (moto), read through
 * the real adapter. Sleeps are recorded instead of waited, so Retry-After costs no test time.
 * The delivery ledger runs on the state table on moto: a redelivery posts only where it failed.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WebhookDestination } from '../../lambda/channels/destinations';
import { formatGoogleChat } from '../../lambda/channels/format/google-chat';
import { formatSlack } from '../../lambda/channels/format/slack';
import { formatTeams } from '../../lambda/channels/format/teams';
import type { WatcherEvent } from '../../lambda/channels/format/view';
import {
  eventFromSqsBody,
  makeNotifyHandler,
  notifyConfigFromEnv,
} from '../../lambda/handlers/make-notify-handler';
import { ConfigurationError } from '../../lambda/shared/env';
import { jsonLogger } from '../../lambda/shared/logger';
import { CachedSecretReader } from '../../lambda/sinks/secrets/secret-reader';
import { SecretsManagerReader } from '../../lambda/sinks/secrets/secrets-manager-reader';
import { type DeliveryLedger, DynamoDbDeliveryLedger } from '../../lambda/sinks/state/delivery-ledger';
import { createStateTable } from '../../lambda/sinks/state/dynamodb-state-store';
import { localHttpsFetch } from '../support/local-https';
import { type Moto, startMoto } from '../support/moto';
import { refusedUrl, sampleEvents, startReceiver, type WebhookReceiver } from '../support/webhook-receivers';

const snsBody = (event: WatcherEvent, messageId = 'sns-1') =>
  JSON.stringify({
    Type: 'Notification',
    MessageId: messageId,
    TopicArn: 'arn:aws:sns:eu-west-1:111122223333:cert-watch-chat',
    Message: JSON.stringify(event),
    Timestamp: '2026-11-25T12:00:01.000Z',
    SignatureVersion: '1',
  });

const record = (messageId: string, body: string): SQSRecord =>
  ({
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {} as SQSRecord['attributes'],
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:111122223333:cert-watch-notify',
    awsRegion: 'eu-west-1',
  }) as SQSRecord;

const sqs = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

let moto: Moto;
let secretsClient: SecretsManagerClient;
let slack: WebhookReceiver;
let teams: WebhookReceiver;
let chat: WebhookReceiver;
let hook: WebhookReceiver;
let downUrl: string;
let secretCounter = 0;

/** Stores a URL in Secrets Manager (moto) under a fresh name and returns the name. */
const storeUrl = async (url: string, asJson = false): Promise<string> => {
  const name = `cert-watch/webhook-${++secretCounter}`;
  await secretsClient.send(
    new CreateSecretCommand({ Name: name, SecretString: asJson ? JSON.stringify({ url }) : url }),
  );
  return name;
};

beforeAll(async () => {
  moto = await startMoto();
  secretsClient = new SecretsManagerClient(moto.clientConfig('eu-west-1'));
  [slack, teams, chat, hook] = await Promise.all([
    startReceiver('slack'),
    startReceiver('teams'),
    startReceiver('google-chat'),
    startReceiver('webhook'),
  ]);
  downUrl = await refusedUrl();
});

afterAll(async () => {
  await Promise.all([slack?.close(), teams?.close(), chat?.close(), hook?.close()]);
  secretsClient?.destroy();
  await moto?.stop();
});

beforeEach(() => {
  for (const r of [slack, teams, chat, hook]) {
    r.requests.length = 0;
    r.script.length = 0;
  }
});

const setup = (
  destinations: WebhookDestination[],
  overrides: { remainingMs?: number; timeoutMs?: number; ledger?: DeliveryLedger } = {},
) => {
  const lines: string[] = [];
  const sleeps: number[] = [];
  const handler = makeNotifyHandler({
    config: {
      destinations,
      timeoutMs: overrides.timeoutMs ?? 2000,
      maxAttempts: 3,
      secretCacheTtlMs: 60_000,
    },
    secrets: new CachedSecretReader(new SecretsManagerReader(secretsClient)),
    fetch: localHttpsFetch,
    logger: jsonLogger({ component: 'notifier' }, (l) => lines.push(l)),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ledger: overrides.ledger,
  });
  const context = { getRemainingTimeInMillis: () => overrides.remainingMs ?? 60_000 };
  return { handler: (e: SQSEvent) => handler(e, context), lines, sleeps };
};

const logs = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

/** No log line carries a URL or any part of a webhook's secret path/query. */
const expectNoSecrets = (lines: string[]) => {
  const secrets = [slack.url, teams.url, chat.url, hook.url, downUrl];
  for (const line of lines) {
    expect(line).not.toMatch(/https?:\/\//);
    for (const s of secrets) expect(line).not.toContain(new URL(s).pathname);
    expect(line).not.toMatch(/SECRET|sig=|token=|key=/);
  }
};

describe('webhook notifier', () => {
  it('posts each destination the exact payload its webhook expects', async () => {
    const destinations: WebhookDestination[] = [
      { name: 'team-slack', kind: 'slack', secretId: await storeUrl(slack.url) },
      { name: 'team-teams', kind: 'teams', secretId: await storeUrl(teams.url, true) },
      { name: 'team-chat', kind: 'google-chat', secretId: await storeUrl(chat.url) },
      { name: 'siem', kind: 'webhook', secretId: await storeUrl(hook.url) },
    ];
    const { handler, lines } = setup(destinations);
    const event = sampleEvents.expiring();

    const result = await handler(sqs(record('m1', snsBody(event))));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(slack.requests).toHaveLength(1);
    expect(slack.requests[0]).toMatchObject({
      method: 'POST',
      path: '/services/T0000/B0000/XXXXSECRETXXXX',
      status: 200,
    });
    expect(slack.requests[0]?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(slack.requests[0]?.json).toEqual(formatSlack(event));
    expect(teams.requests[0]?.json).toEqual(formatTeams(event));
    expect(teams.requests[0]?.status).toBe(202);
    expect(teams.requests[0]?.query).toMatchObject({ 'api-version': '1', sig: 'SECRETSIG' });
    expect(chat.requests[0]?.json).toEqual(formatGoogleChat(event));
    // The notifier asks Google Chat to reply in the certificate's thread (threadKey in the body).
    expect(chat.requests[0]?.query).toEqual({
      key: 'SECRETKEY',
      token: 'SECRETTOKEN',
      messageReplyOption: 'REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD',
    });
    // The generic webhook gets the EventBridge event itself.
    expect(hook.requests[0]?.json).toEqual(event);
    const delivered = logs(lines).filter((l) => l.message === 'webhook delivered');
    expect(delivered.map((l) => l.destination).sort()).toEqual([
      'siem',
      'team-chat',
      'team-slack',
      'team-teams',
    ]);
    expectNoSecrets(lines);
  });

  it('accepts raw message delivery (the body is the event) and routes by detail-type', async () => {
    const destinations: WebhookDestination[] = [
      { name: 'all', kind: 'teams', secretId: await storeUrl(teams.url) },
      {
        name: 'expired-only',
        kind: 'slack',
        secretId: await storeUrl(slack.url),
        detailTypes: ['Certificate Expired'],
      },
    ];
    const { handler } = setup(destinations);

    const result = await handler(sqs(record('raw-1', JSON.stringify(sampleEvents.checkFailed()))));

    expect(result.batchItemFailures).toEqual([]);
    expect(teams.requests.map((r) => r.json)).toEqual([formatTeams(sampleEvents.checkFailed())]);
    expect(slack.requests).toHaveLength(0);
  });

  it('waits out a 429 Retry-After and delivers within the same invocation', async () => {
    const { handler, lines, sleeps } = setup([
      { name: 'team-slack', kind: 'slack', secretId: await storeUrl(slack.url) },
    ]);
    slack.script.push({ status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } });

    const result = await handler(sqs(record('m429', snsBody(sampleEvents.expired()))));

    expect(result.batchItemFailures).toEqual([]);
    expect(slack.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(sleeps).toEqual([1000]);
    expect(logs(lines).find((l) => l.message === 'webhook delivery retrying')).toMatchObject({
      destination: 'team-slack',
      status: 429,
      waitMs: 1000,
      reason: 'HTTP 429: rate_limited',
    });
    expectNoSecrets(lines);
  });

  it('backs off on 5xx and succeeds on the third attempt', async () => {
    const { handler, sleeps } = setup([
      { name: 'team-chat', kind: 'google-chat', secretId: await storeUrl(chat.url) },
    ]);
    chat.script.push({ status: 500, body: 'oops' }, { status: 503, body: 'unavailable' });

    const result = await handler(sqs(record('m5xx', snsBody(sampleEvents.misconfigured()))));

    expect(result.batchItemFailures).toEqual([]);
    expect(chat.requests.map((r) => r.status)).toEqual([500, 503, 200]);
    // Full jitter with random() = 0.5: half of 250 ms, then half of 500 ms.
    expect(sleeps).toEqual([125, 250]);
  });

  it('a Retry-After longer than the time left fails the message instead of waiting (SQS redelivers)', async () => {
    const { handler, lines, sleeps } = setup(
      [{ name: 'team-slack', kind: 'slack', secretId: await storeUrl(slack.url) }],
      {
        remainingMs: 10_000,
      },
    );
    slack.script.push({ status: 429, body: 'rate_limited', headers: { 'retry-after': '120' } });

    const result = await handler(sqs(record('mlong', snsBody(sampleEvents.expiring()))));

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'mlong' }]);
    expect(slack.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(logs(lines).find((l) => l.level === 'ERROR')).toMatchObject({ outcome: 'retryable', status: 429 });
  });

  it('a 400 invalid_payload is permanent: one attempt, the message fails (to the DLQ after maxReceiveCount)', async () => {
    const { handler, lines } = setup([
      { name: 'team-slack', kind: 'slack', secretId: await storeUrl(slack.url) },
    ]);
    slack.script.push({ status: 400, body: 'invalid_payload' });

    const result = await handler(sqs(record('m400', snsBody(sampleEvents.expiring()))));

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm400' }]);
    expect(slack.requests).toHaveLength(1);
    expect(logs(lines).find((l) => l.level === 'ERROR')).toMatchObject({
      destination: 'team-slack',
      outcome: 'permanent',
      status: 400,
      attempts: 1,
      reason: 'HTTP 400: invalid_payload',
    });
  });

  it('a receiver that is down fails only the messages routed to it; the others are still delivered', async () => {
    const destinations: WebhookDestination[] = [
      {
        name: 'pager-slack',
        kind: 'slack',
        secretId: await storeUrl(downUrl),
        detailTypes: ['Certificate Expired'],
      },
      { name: 'team-teams', kind: 'teams', secretId: await storeUrl(teams.url) },
    ];
    const { handler, lines } = setup(destinations);

    const result = await handler(
      sqs(
        record('expired-1', snsBody(sampleEvents.expired())),
        record('expiring-1', snsBody(sampleEvents.expiring())),
      ),
    );

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'expired-1' }]);
    expect(teams.requests.map((r) => r.json)).toEqual([
      formatTeams(sampleEvents.expired()),
      formatTeams(sampleEvents.expiring()),
    ]);
    const failure = logs(lines).find((l) => l.level === 'ERROR');
    expect(failure).toMatchObject({ destination: 'pager-slack', outcome: 'retryable', attempts: 3 });
    expect(String(failure?.reason)).toContain('ECONNREFUSED');
    expectNoSecrets(lines);
  });

  it('a redelivered message is not posted again to a destination that already took it', async () => {
    const destinations: WebhookDestination[] = [
      { name: 'team-slack', kind: 'slack', secretId: await storeUrl(slack.url) },
      { name: 'team-teams', kind: 'teams', secretId: await storeUrl(teams.url) },
    ];
    const { handler } = setup(destinations);
    slack.script.push({ status: 500 }, { status: 500 }, { status: 500 });
    const msg = record('again', snsBody(sampleEvents.expired()));

    expect((await handler(sqs(msg))).batchItemFailures).toEqual([{ itemIdentifier: 'again' }]);
    expect((await handler(sqs(msg))).batchItemFailures).toEqual([]);

    expect(teams.requests).toHaveLength(1);
    expect(slack.requests.map((r) => r.status)).toEqual([500, 500, 500, 200]);
  });

  it('times a slow receiver out per request and retries it', async () => {
    const { handler, lines } = setup(
      [{ name: 'slow-slack', kind: 'slack', secretId: await storeUrl(slack.url) }],
      {
        timeoutMs: 1000,
      },
    );
    // Far beyond the per-request timeout, and the timeout far above a loopback answer on a busy
    // machine: only the two slow answers can time out.
    slack.script.push(
      { status: 200, body: 'ok', delayMs: 30_000 },
      { status: 200, body: 'ok', delayMs: 30_000 },
    );

    const result = await handler(sqs(record('slow', snsBody(sampleEvents.expiring()))));

    expect(result.batchItemFailures).toEqual([]);
    expect(slack.requests).toHaveLength(3);
    expect(
      logs(lines)
        .filter((l) => l.message === 'webhook delivery retrying')
        .map((l) => l.reason),
    ).toEqual(['request timed out', 'request timed out']);
  });

  it('re-reads a rotated webhook URL after the old one answers 404', async () => {
    const secretId = await storeUrl(slack.url);
    const { handler } = setup([{ name: 'team-slack', kind: 'slack', secretId }]);
    slack.script.push({ status: 404, body: 'no_service' });

    const first = await handler(sqs(record('rot-1', snsBody(sampleEvents.expiring()))));
    await secretsClient.send(
      new PutSecretValueCommand({ SecretId: secretId, SecretString: `${slack.url}-rotated` }),
    );
    const second = await handler(sqs(record('rot-1', snsBody(sampleEvents.expiring()))));

    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'rot-1' }]);
    expect(second.batchItemFailures).toEqual([]);
    expect(slack.requests.map((r) => [r.path, r.status])).toEqual([
      ['/services/T0000/B0000/XXXXSECRETXXXX', 404],
      ['/services/T0000/B0000/XXXXSECRETXXXX-rotated', 200],
    ]);
  });

  it('fails a message that is not a watcher event, and posts nothing', async () => {
    const { handler, lines } = setup([
      { name: 'team-slack', kind: 'slack', secretId: await storeUrl(slack.url) },
    ]);

    const result = await handler(
      sqs(record('junk', 'not json'), record('nodt', JSON.stringify({ hello: 1 }))),
    );

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'junk' }, { itemIdentifier: 'nodt' }]);
    expect(slack.requests).toHaveLength(0);
    expect(logs(lines).map((l) => l.error)).toEqual([
      'message body is not JSON',
      'message is not an EventBridge event (no detail-type)',
    ]);
  });

  it('an unknown detail-type still reaches chat as a generic message', async () => {
    const { handler } = setup([{ name: 'team-slack', kind: 'slack', secretId: await storeUrl(slack.url) }]);

    const result = await handler(sqs(record('unk', snsBody(sampleEvents.unknown()))));

    expect(result.batchItemFailures).toEqual([]);
    expect((slack.requests[0]?.json as { text?: string } | undefined)?.text).toBe(
      'Certificate watcher: Certificate Teleported',
    );
  });

  it('a secret that holds no usable URL is permanent and never echoed', async () => {
    const secretId = await storeUrl('ftp://files.example.com/SECRETPATH');
    const { handler, lines } = setup([{ name: 'broken', kind: 'slack', secretId }]);

    const result = await handler(sqs(record('bad-secret', snsBody(sampleEvents.expiring()))));

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'bad-secret' }]);
    expect(logs(lines).find((l) => l.level === 'ERROR')).toMatchObject({
      destination: 'broken',
      outcome: 'permanent',
    });
    expectNoSecrets(lines);
    expect(lines.join('\n')).not.toContain('files.example.com');
  });
});

describe('notifier configuration', () => {
  it('fails fast naming WEBHOOK_DESTINATIONS when it is missing or invalid', () => {
    expect(() => notifyConfigFromEnv({})).toThrow(/WEBHOOK_DESTINATIONS is required/);
    expect(() => notifyConfigFromEnv({ WEBHOOK_DESTINATIONS: '[' })).toThrow(
      /WEBHOOK_DESTINATIONS is not valid JSON/,
    );
    expect(() =>
      notifyConfigFromEnv({ WEBHOOK_DESTINATIONS: '[{"name":"a","kind":"irc","secretId":"s"}]' }),
    ).toThrow(/WEBHOOK_DESTINATIONS\[0\]\.kind must be one of slack, teams, google-chat, webhook/);
    expect(() =>
      notifyConfigFromEnv({
        WEBHOOK_DESTINATIONS: '[{"name":"a","kind":"slack","secretId":"https://hooks.slack.com/x"}]',
      }),
    ).toThrow(ConfigurationError);
    expect(() =>
      notifyConfigFromEnv({
        WEBHOOK_DESTINATIONS:
          '[{"name":"a","kind":"slack","secretId":"s"},{"name":"a","kind":"teams","secretId":"t"}]',
      }),
    ).toThrow(/"a" is used twice/);
  });

  it('reads destinations and defaults', () => {
    expect(
      notifyConfigFromEnv({
        WEBHOOK_DESTINATIONS:
          '[{"name":"ops","kind":"google-chat","secretId":"cert-watch/chat","detailTypes":["Certificate Expired"]}]',
        WEBHOOK_TIMEOUT_MS: '3000',
      }),
    ).toEqual({
      destinations: [
        {
          name: 'ops',
          kind: 'google-chat',
          secretId: 'cert-watch/chat',
          detailTypes: ['Certificate Expired'],
        },
      ],
      timeoutMs: 3000,
      maxAttempts: 3,
      secretCacheTtlMs: 300_000,
    });
  });

  it('reads both SNS envelopes and raw events', () => {
    const event = sampleEvents.renewed();
    expect(eventFromSqsBody(snsBody(event))).toEqual(event);
    expect(eventFromSqsBody(JSON.stringify(event))).toEqual(event);
  });
});

describe('webhook notifier with the delivery ledger (the state table on moto)', () => {
  it('a redelivery in a new container posts only to the webhook that failed', async () => {
    const dynamodb = new DynamoDBClient(moto.clientConfig('eu-west-1'));
    const tableName = `delivery-${++secretCounter}`;
    await createStateTable(dynamodb, tableName);
    const destinations: WebhookDestination[] = [
      { name: 'team-slack', kind: 'slack', secretId: await storeUrl(slack.url) },
      { name: 'team-hook', kind: 'webhook', secretId: await storeUrl(hook.url) },
    ];
    // Each container has its own client and no memory of the other's deliveries.
    const container = () =>
      setup(destinations, {
        ledger: new DynamoDbDeliveryLedger({ tableName }, new DynamoDBClient(moto.clientConfig('eu-west-1'))),
      });
    const message = record('m-1', snsBody(sampleEvents.expiring()));
    hook.script.push({ status: 503 }, { status: 503 }, { status: 503 });

    expect(await container().handler(sqs(message))).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm-1' }],
    });
    expect(await container().handler(sqs(message))).toEqual({ batchItemFailures: [] });

    expect(slack.requests).toHaveLength(1);
    expect(hook.requests.map((r) => r.status)).toEqual([503, 503, 503, 200]);
  });
});
