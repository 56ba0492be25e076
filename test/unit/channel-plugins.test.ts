/**
 * The runtime side of the channel plugins: the notifier formats each destination from its
 * registry (WEBHOOK_FORMATTERS), so a channel that exists only in tests (test/support/test-channel.ts)
 * is delivered by adding its registry line, and a kind without a line is never posted.
 * A real local HTTP receiver; the secret reader is a fake that hands out its URL.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { webhookUrlFrom } from '../../lambda/channels/destinations';
import { formatSms, TOPIC_MESSAGES, WEBHOOK_FORMATTERS } from '../../lambda/channels/format';
import type { WatcherEvent } from '../../lambda/channels/format/view';
import { CHANNELS } from '../../lambda/contracts/channels';
import { makeNotifyHandler } from '../../lambda/handlers/make-notify-handler';
import { jsonLogger } from '../../lambda/shared/logger';
import { localHttpsFetch } from '../support/local-https';
import { formattersWithTestChannel, TEST_CHANNEL_KIND } from '../support/test-channel';
import { sampleEvents, startReceiver, type WebhookReceiver } from '../support/webhook-receivers';

const message = (event: WatcherEvent, messageId = 'm-1'): SQSRecord =>
  ({
    messageId,
    body: JSON.stringify({
      Type: 'Notification',
      TopicArn: 'arn:aws:sns:eu-west-1:111122223333:chat',
      Message: JSON.stringify(event),
    }),
  }) as SQSRecord;

let pager: WebhookReceiver;

beforeAll(async () => {
  pager = await startReceiver('webhook');
});

afterAll(async () => {
  await pager?.close();
});

beforeEach(() => {
  pager.requests.length = 0;
});

const notifier = (formatters?: typeof WEBHOOK_FORMATTERS) => {
  const lines: string[] = [];
  const handler = makeNotifyHandler({
    config: {
      destinations: [{ name: 'oncall', kind: TEST_CHANNEL_KIND, secretId: 'cert-watch/pager' }],
      timeoutMs: 2000,
      maxAttempts: 1,
      secretCacheTtlMs: 60_000,
    },
    secrets: { get: async () => pager.url },
    fetch: localHttpsFetch,
    logger: jsonLogger({ component: 'notifier' }, (l) => lines.push(l)),
    ...(formatters ? { formatters } : {}),
  });
  return { handler: (e: SQSEvent) => handler(e), lines };
};

describe('channel formatter registry', () => {
  it('has a topic message for every routed channel and a formatter for each documented webhook kind', () => {
    expect(Object.keys(TOPIC_MESSAGES).sort()).toEqual([...CHANNELS].sort());
    expect(Object.keys(WEBHOOK_FORMATTERS)).toEqual(['slack', 'teams', 'google-chat', 'webhook']);
  });

  it('lets a kind adjust its URL: Google Chat replies in the thread, other kinds keep the URL', () => {
    expect(webhookUrlFrom('https://chat.googleapis.com/v1/spaces/A/messages?key=k', 'google-chat', 's')).toBe(
      'https://chat.googleapis.com/v1/spaces/A/messages?key=k&messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD',
    );
    expect(webhookUrlFrom('https://hooks.example.com/x?y=1', 'webhook', 's')).toBe(
      'https://hooks.example.com/x?y=1',
    );
  });
});

describe('a channel that exists only in tests, at runtime', () => {
  it('is posted in its own format to its adjusted URL once its registry line is added', async () => {
    const event = sampleEvents.expired();
    const { handler } = notifier(formattersWithTestChannel);
    const response = await handler({ Records: [message(event)] });
    expect(response.batchItemFailures).toEqual([]);
    expect(pager.requests).toHaveLength(1);
    expect(pager.requests[0]?.json).toEqual({ line: formatSms(event), priority: 'high' });
    expect(pager.requests[0]?.query.route).toBe('certificates');
  });

  it('is never posted without its registry line: the message fails, to be redelivered and dead-lettered', async () => {
    const { handler, lines } = notifier();
    const response = await handler({ Records: [message(sampleEvents.expired(), 'm-2')] });
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-2' }]);
    expect(pager.requests).toHaveLength(0);
    expect(lines.join('\n')).toContain(`no formatter for destination kind \\"${TEST_CHANNEL_KIND}\\"`);
  });
});
