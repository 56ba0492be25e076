/**
 * The alert fan-out against SNS and SQS on moto: the handler runs in-process with real SNS
 * clients (moto runs no Lambdas), publishing to three topics. SQS queues subscribe the way the
 * stack and its users do (the notifier's queue on chat, not raw; raw queues standing in for an
 * SMS phone and a ticket connector; queues with the filter policies docs/chat.md documents), and
 * an HTTP subscription on the chat topic stands in for Amazon Q Developer in chat applications,
 * which subscribes over HTTPS and so receives the `default` variant. With the delivery ledger
 * (the state table on moto) one failing topic is retried alone and a redelivered event is dropped.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, type PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gsmSeptets, SMS_MAX_SEPTETS } from '../../lambda/channels/format/sms';
import type { WatcherEvent } from '../../lambda/channels/format/view';
import { DEFAULT_ROUTING } from '../../lambda/channels/routing';
import { silentLogger } from '../../lambda/core/ports';
import { FanoutPublishError, makeFanoutHandler } from '../../lambda/handlers/make-fanout-handler';
import { eventFromSqsBody } from '../../lambda/handlers/make-notify-handler';
import { DynamoDbDeliveryLedger, deliveryItemKey } from '../../lambda/sinks/state/delivery-ledger';
import { createStateTable } from '../../lambda/sinks/state/dynamodb-state-store';
import { type Moto, startMoto } from '../support/moto';
import { sampleEvents } from '../support/webhook-receivers';

const REGION = 'eu-west-1';

/** The filter policies docs/chat.md suggests for extra subscribers of the alert topics. */
const URGENT_ONLY = { severity: ['critical', 'expired'] };
const CLOSING_ONLY = { detailType: ['Certificate Renewed', 'Certificate Removed'] };

let moto: Moto;
let sns: SNSClient;
let sqs: SQSClient;
let chatbot: Server;
let chatbotUrl: string;
/** Bodies the Chatbot stand-in received, by request path (each test subscribes its own path). */
const chatbotBodiesByPath = new Map<string, string[]>();
// Each test's own topics, queues and Chatbot path (created in beforeEach): nothing one test
// publishes can reach another's assertions.
let chatbotBodies: string[];
let topics: { chat: string; sms: string; tickets: string };
let queues: Record<'chat' | 'chatUrgent' | 'sms' | 'tickets' | 'ticketsClosing', string>;

const createQueue = async (name: string): Promise<{ url: string; arn: string }> => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return { url: QueueUrl as string, arn: Attributes?.QueueArn as string };
};

const subscribeQueue = async (
  topicArn: string,
  name: string,
  options: { raw?: boolean; filter?: Record<string, string[]> } = {},
): Promise<string> => {
  const q = await createQueue(name);
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: q.arn,
      Attributes: {
        ...(options.raw ? { RawMessageDelivery: 'true' } : {}),
        ...(options.filter ? { FilterPolicy: JSON.stringify(options.filter) } : {}),
      },
    }),
  );
  return q.url;
};

/** Everything in a queue right now (and deletes it). */
const drain = async (queueUrl: string): Promise<string[]> => {
  const bodies: string[] = [];
  for (;;) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (!Messages?.length) return bodies;
    for (const m of Messages) {
      bodies.push(m.Body ?? '');
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
};

const fanout = () =>
  makeFanoutHandler({ config: { topicArns: topics, routing: DEFAULT_ROUTING }, sns, logger: silentLogger });

/** The sample expiring event with a warning severity (15 days left). */
const warningEvent = (): WatcherEvent => {
  const base = sampleEvents.expiring();
  const detail = base.detail as { evaluation: Record<string, unknown> };
  return {
    ...base,
    id: 'warning-1',
    detail: { ...detail, evaluation: { ...detail.evaluation, severity: 'warning' } },
  };
};

beforeAll(async () => {
  moto = await startMoto();
  sns = new SNSClient(moto.clientConfig(REGION));
  sqs = new SQSClient(moto.clientConfig(REGION));
  chatbot = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const path = req.url ?? '/';
      const bodies = chatbotBodiesByPath.get(path) ?? [];
      bodies.push(body);
      chatbotBodiesByPath.set(path, bodies);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => chatbot.listen(0, '127.0.0.1', resolve));
  chatbotUrl = `http://127.0.0.1:${(chatbot.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (chatbot ? chatbot.close(() => resolve()) : resolve()));
  sns?.destroy();
  sqs?.destroy();
  await moto?.stop();
});

beforeEach(async () => {
  const id = randomUUID().slice(0, 8);
  const topic = async (name: string) =>
    (await sns.send(new CreateTopicCommand({ Name: `${name}-${id}` }))).TopicArn as string;
  topics = {
    chat: await topic('cert-chat'),
    sms: await topic('cert-sms'),
    tickets: await topic('cert-tickets'),
  };
  queues = {
    chat: await subscribeQueue(topics.chat, `notifier-${id}`),
    chatUrgent: await subscribeQueue(topics.chat, `chat-urgent-${id}`, { raw: true, filter: URGENT_ONLY }),
    sms: await subscribeQueue(topics.sms, `phone-${id}`, { raw: true }),
    tickets: await subscribeQueue(topics.tickets, `tickets-${id}`, { raw: true }),
    ticketsClosing: await subscribeQueue(topics.tickets, `tickets-closing-${id}`, {
      raw: true,
      filter: CLOSING_ONLY,
    }),
  };
  const path = `/chatbot/${id}`;
  chatbotBodies = [];
  chatbotBodiesByPath.set(path, chatbotBodies);
  await sns.send(
    new SubscribeCommand({ TopicArn: topics.chat, Protocol: 'http', Endpoint: `${chatbotUrl}${path}` }),
  );
});

describe('fan-out on SNS (moto)', () => {
  it('delivers a critical expiry to chat (Chatbot JSON over HTTPS, the event to SQS), SMS and tickets', async () => {
    const event = sampleEvents.expiring();

    await fanout()(event);

    // Chatbot's HTTPS subscription: the SNS notification's Message is the custom notification.
    expect(chatbotBodies).toHaveLength(1);
    const notification = JSON.parse(JSON.parse(chatbotBodies[0] as string).Message);
    expect(notification).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown', title: expect.stringContaining('api.example.com') },
      metadata: { threadId: expect.stringMatching(/^cert-[0-9a-f]{32}$/), eventType: 'Certificate Expiring' },
    });
    expect(notification.content.description).toEqual(expect.any(String));

    // The notifier's queue (SNS envelope, not raw) carries the event itself, which the notifier reads.
    const [chatBody, ...moreChat] = await drain(queues.chat);
    expect(moreChat).toEqual([]);
    expect(eventFromSqsBody(chatBody as string)).toEqual(event);
    expect(JSON.parse(chatBody as string).MessageAttributes).toEqual({
      detailType: { Type: 'String', Value: 'Certificate Expiring' },
      severity: { Type: 'String', Value: 'critical' },
    });

    const sms = await drain(queues.sms);
    expect(sms).toEqual(['CERT EXPIRES IN 3d: api.example.com (ACM eu-west-1) 2026-11-28']);
    expect(gsmSeptets(sms[0] as string)).toBeLessThanOrEqual(SMS_MAX_SEPTETS);

    expect((await drain(queues.tickets)).map((b) => JSON.parse(b))).toEqual([event]);
    expect(await drain(queues.chatUrgent)).toHaveLength(1);
    expect(await drain(queues.ticketsClosing)).toEqual([]);
  });

  it('keeps a warning off SMS and off the urgent-only subscription, but opens a ticket', async () => {
    const event = warningEvent();

    await fanout()(event);

    expect(await drain(queues.sms)).toEqual([]);
    expect(await drain(queues.chatUrgent)).toEqual([]);
    expect((await drain(queues.chat)).map(eventFromSqsBody)).toEqual([event]);
    expect((await drain(queues.tickets)).map((b) => JSON.parse(b))).toEqual([event]);
    expect(chatbotBodies).toHaveLength(1);
  });

  it('sends an expired certificate to SMS and a renewal to the tickets closing subscription only', async () => {
    const expired = sampleEvents.expired();
    const renewed = sampleEvents.renewed();

    await fanout()(expired);
    await fanout()(renewed);

    const sms = await drain(queues.sms);
    expect(sms).toEqual(['CERT EXPIRED: shop.example.com (192.0.2.10:443) 2026-11-23']);
    expect((await drain(queues.ticketsClosing)).map((b) => JSON.parse(b))).toEqual([renewed]);
    expect((await drain(queues.tickets)).map((b) => JSON.parse(b)['detail-type'])).toEqual([
      'Certificate Expired',
      'Certificate Renewed',
    ]);
    expect((await drain(queues.chatUrgent)).map((b) => JSON.parse(b)['detail-type'])).toEqual([
      'Certificate Expired',
    ]);
    const chatbotTypes = chatbotBodies.map((b) => JSON.parse(JSON.parse(b).Message).metadata.eventType);
    expect(chatbotTypes).toEqual(['Certificate Expired', 'Certificate Renewed']);
  });
});

describe('fan-out with the delivery ledger (the state table on moto)', () => {
  it('one topic failing: the retries publish only to it, each channel gets one copy; a redelivery is dropped', async () => {
    const dynamodb = new DynamoDBClient(moto.clientConfig(REGION));
    const table = `delivery-${randomUUID()}`;
    await createStateTable(dynamodb, table);
    // SMS's topic refuses the first two publishes (the Lambda's own two retries), then recovers.
    let smsFailures = 2;
    const flaky = {
      send: async (command: PublishCommand) => {
        if (command.input.TopicArn === topics.sms && smsFailures-- > 0)
          throw Object.assign(new Error('topic unavailable'), { name: 'InternalErrorException' });
        return sns.send(command);
      },
    } as unknown as SNSClient;
    const metrics: Record<string, number>[] = [];
    // Every invocation is a new container with its own client: nothing is remembered in memory.
    const invoke = (event: WatcherEvent) =>
      makeFanoutHandler({
        config: { topicArns: topics, routing: DEFAULT_ROUTING },
        sns: flaky,
        logger: silentLogger,
        metrics: (m) => metrics.push(m),
        ledger: new DynamoDbDeliveryLedger(
          { tableName: table },
          new DynamoDBClient(moto.clientConfig(REGION)),
        ),
      })(event);

    const event = sampleEvents.expired();
    await expect(invoke(event)).rejects.toBeInstanceOf(FanoutPublishError);
    await expect(invoke(event)).rejects.toBeInstanceOf(FanoutPublishError);
    expect((await invoke(event)).skipped?.sort()).toEqual(['chat', 'tickets']);
    // The same event again (an archive replay, a duplicate on the bus): dropped everywhere.
    expect((await invoke(event)).skipped?.sort()).toEqual(['chat', 'sms', 'tickets']);

    expect({
      chat: (await drain(queues.chat)).length,
      sms: (await drain(queues.sms)).length,
      tickets: (await drain(queues.tickets)).length,
    }).toEqual({ chat: 1, sms: 1, tickets: 1 });
    expect(chatbotBodies).toHaveLength(1);
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
