/**
 * Idempotent delivery on the event id (issue #9, items 3 and 4), with the delivery ledger in the
 * state table on moto's DynamoDB: the fan-out publishes to real SNS topics on moto (raw SQS queues
 * subscribed count the copies) and one topic fails once: the retry publishes only to that topic,
 * so chat and tickets get one copy each, not three; an event fanned out again is dropped. The
 * webhook notifier posts to local HTTP receivers: a message redelivered by SQS to a new container
 * (no memory of the first) after one webhook failed posts only to the webhook that failed.
 * Handlers run in-process (moto runs no Lambdas).
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, type PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WatcherEvent } from '../../lambda/channels/format/view';
import { DEFAULT_ROUTING } from '../../lambda/channels/routing';
import { silentLogger } from '../../lambda/core/ports';
import { FanoutPublishError, makeFanoutHandler } from '../../lambda/handlers/make-fanout-handler';
import { makeNotifyHandler } from '../../lambda/handlers/make-notify-handler';
import { DynamoDbDeliveryLedger, deliveryItemKey } from '../../lambda/sinks/state/delivery-ledger';
import { createStateTable } from '../../lambda/sinks/state/dynamodb-state-store';
import { type Moto, startMoto } from '../support/moto';
import { sampleEvents, startReceiver, type WebhookReceiver } from '../support/webhook-receivers';

const REGION = 'eu-west-1';
let moto: Moto;
let sns: SNSClient;
let sqs: SQSClient;
let dynamodb: DynamoDBClient;
let table: string;

beforeAll(async () => {
  moto = await startMoto();
  sns = new SNSClient(moto.clientConfig(REGION));
  sqs = new SQSClient(moto.clientConfig(REGION));
  dynamodb = new DynamoDBClient(moto.clientConfig(REGION));
});
afterAll(async () => {
  await moto?.stop();
});
beforeEach(async () => {
  table = `delivery-${randomUUID()}`;
  await createStateTable(dynamodb, table);
});

/** A cold container's ledger: its own client. */
const coldLedger = () =>
  new DynamoDbDeliveryLedger({ tableName: table }, new DynamoDBClient(moto.clientConfig(REGION)));

const rawQueueOn = async (topicArn: string): Promise<string> => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `q-${randomUUID()}` }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: Attributes?.QueueArn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  return QueueUrl as string;
};

const drainCount = async (queueUrl: string): Promise<number> => {
  let n = 0;
  for (;;) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (!Messages?.length) return n;
    for (const m of Messages) {
      n++;
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
};

describe('fan-out: each channel takes an event id once', () => {
  it('one topic failing: the retries publish only to it, chat and tickets get one copy each; a redelivery is dropped', async () => {
    const topics = Object.fromEntries(
      await Promise.all(
        (['chat', 'sms', 'tickets'] as const).map(async (c) => {
          const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `${c}-${randomUUID()}` }));
          return [c, TopicArn as string];
        }),
      ),
    ) as Record<'chat' | 'sms' | 'tickets', string>;
    const queues = {
      chat: await rawQueueOn(topics.chat),
      sms: await rawQueueOn(topics.sms),
      tickets: await rawQueueOn(topics.tickets),
    };
    // SMS's topic refuses the first two publishes (the Lambda's own two retries); then recovers.
    let smsFailures = 2;
    const flaky = {
      send: async (command: PublishCommand) => {
        if (command.input.TopicArn === topics.sms && smsFailures-- > 0)
          throw Object.assign(new Error('topic unavailable'), { name: 'InternalErrorException' });
        return sns.send(command);
      },
    } as unknown as SNSClient;
    const metrics: Record<string, number>[] = [];
    // Every invocation is a new container: nothing is remembered in memory.
    const invoke = (event: WatcherEvent) =>
      makeFanoutHandler({
        config: { topicArns: topics, routing: DEFAULT_ROUTING },
        sns: flaky,
        logger: silentLogger,
        metrics: (m) => metrics.push(m),
        ledger: coldLedger(),
      })(event);

    const event = sampleEvents.expired();
    await expect(invoke(event)).rejects.toBeInstanceOf(FanoutPublishError);
    await expect(invoke(event)).rejects.toBeInstanceOf(FanoutPublishError);
    const third = await invoke(event);
    expect(third.skipped?.sort()).toEqual(['chat', 'tickets']);
    // The same event again (a replay from the archive, a duplicate on the bus): dropped everywhere.
    const again = await invoke(event);
    expect(again.skipped?.sort()).toEqual(['chat', 'sms', 'tickets']);

    expect({
      chat: await drainCount(queues.chat),
      sms: await drainCount(queues.sms),
      tickets: await drainCount(queues.tickets),
    }).toEqual({ chat: 1, sms: 1, tickets: 1 });
    expect(metrics.at(-1)).toEqual({ FanoutPublished: 0, FanoutFailed: 0, FanoutDuplicatesDropped: 3 });

    const eventId = (event.detail as { eventId: string }).eventId;
    const item = await dynamodb.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: deliveryItemKey('sns:sms', eventId) } } }),
    );
    expect(item.Item?.status?.S).toBe('delivered');
    // Expires through the table's TTL (14 days), so the table does not grow forever.
    expect(Number(item.Item?.ttl?.N)).toBeGreaterThan(Date.now() / 1000 + 13 * 86_400);
  });
});

describe('webhook notifier: a redelivery posts only to the webhook that failed', () => {
  let good: WebhookReceiver;
  let flaky: WebhookReceiver;
  beforeAll(async () => {
    [good, flaky] = await Promise.all([startReceiver('slack'), startReceiver('webhook')]);
  });
  afterAll(async () => {
    await Promise.all([good?.close(), flaky?.close()]);
  });

  it('the first container posts to both, one fails; a new container on the redelivery posts only to that one', async () => {
    const urls: Record<string, string> = { 'secret-good': good.url, 'secret-flaky': flaky.url };
    const container = () =>
      makeNotifyHandler({
        config: {
          destinations: [
            { name: 'team-slack', kind: 'slack', secretId: 'secret-good' },
            { name: 'team-hook', kind: 'webhook', secretId: 'secret-flaky' },
          ],
          timeoutMs: 2000,
          maxAttempts: 1,
          secretCacheTtlMs: 60_000,
        },
        secrets: { get: async (id: string) => urls[id] as string },
        logger: silentLogger,
        sleep: async () => {},
        ledger: coldLedger(),
      });
    const message = {
      messageId: 'm-1',
      receiptHandle: 'rh-1',
      body: JSON.stringify(sampleEvents.expiring()),
      attributes: {},
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:111122223333:notify',
      awsRegion: REGION,
    } as unknown as SQSRecord;

    flaky.script.push({ status: 503 });
    const first = await container()({ Records: [message] });
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    const second = await container()({ Records: [message] });
    expect(second.batchItemFailures).toEqual([]);

    expect(good.requests).toHaveLength(1);
    expect(flaky.requests.map((r) => r.status)).toEqual([503, 200]);
  });
});
