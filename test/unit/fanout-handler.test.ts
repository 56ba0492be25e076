import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatChatbot } from '../../lambda/channels/format/chatbot';
import { formatSms } from '../../lambda/channels/format/sms';
import { DEFAULT_ROUTING } from '../../lambda/channels/routing';
import type { Logger } from '../../lambda/core/ports';
import {
  FanoutPublishError,
  fanoutConfigFromEnv,
  InvalidFanoutEventError,
  makeFanoutHandler,
} from '../../lambda/handlers/make-fanout-handler';
import { ConfigurationError } from '../../lambda/shared/env';
import { DynamoDbDeliveryLedger } from '../../lambda/sinks/state/delivery-ledger';
import { sampleEvents } from '../support/webhook-receivers';

const TOPICS = {
  chat: 'arn:aws:sns:eu-west-1:111122223333:chat',
  sms: 'arn:aws:sns:eu-west-1:111122223333:sms',
  tickets: 'arn:aws:sns:eu-west-1:111122223333:tickets',
};

let snsMock = mockClient(SNSClient);
beforeEach(() => {
  snsMock = mockClient(SNSClient);
});
afterEach(() => snsMock.restore());

const recordingLogger = () => {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const logger: Logger = {
    info: (message, fields) => lines.push({ level: 'INFO', message, fields }),
    warn: (message, fields) => lines.push({ level: 'WARN', message, fields }),
    error: (message, fields) => lines.push({ level: 'ERROR', message, fields }),
  };
  return { logger, lines };
};

const handlerWith = (logger: Logger = recordingLogger().logger) =>
  makeFanoutHandler({
    config: { topicArns: TOPICS, routing: DEFAULT_ROUTING },
    sns: new SNSClient({ region: 'eu-west-1' }),
    logger,
  });

const attributes = (detailType: string, severity: string) => ({
  detailType: { DataType: 'String', StringValue: detailType },
  severity: { DataType: 'String', StringValue: severity },
});

describe('fan-out handler', () => {
  it('publishes a critical expiring event to chat (Chatbot JSON + raw for SQS), SMS (text) and tickets (raw)', async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const event = sampleEvents.expiring();

    const result = await handlerWith()(event);

    expect(result.channels).toEqual(['chat', 'sms', 'tickets']);
    const inputs = snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(inputs).toEqual([
      {
        TopicArn: TOPICS.chat,
        MessageStructure: 'json',
        Message: JSON.stringify({
          default: JSON.stringify(formatChatbot(event)),
          sqs: JSON.stringify(event),
        }),
        MessageAttributes: attributes('Certificate Expiring', 'critical'),
      },
      {
        TopicArn: TOPICS.sms,
        Message: 'CERT EXPIRES IN 3d: api.example.com (ACM eu-west-1) 2026-11-28',
        MessageAttributes: attributes('Certificate Expiring', 'critical'),
      },
      {
        TopicArn: TOPICS.tickets,
        Message: JSON.stringify(event),
        MessageAttributes: attributes('Certificate Expiring', 'critical'),
      },
    ]);
    expect(inputs[1]?.Message).toBe(formatSms(event));
  });

  it('publishes a renewal to chat and tickets only, with severity info', async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-2' });

    await handlerWith()(sampleEvents.renewed());

    const inputs = snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => i.TopicArn)).toEqual([TOPICS.chat, TOPICS.tickets]);
    for (const i of inputs) expect(i.MessageAttributes).toEqual(attributes('Certificate Renewed', 'info'));
  });

  it('publishes nothing for an event no channel takes', async () => {
    const result = await handlerWith()(sampleEvents.scanCompleted());
    expect(result.channels).toEqual([]);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('fails the invocation when one topic refuses, after publishing to the others, and logs the error', async () => {
    snsMock
      .on(PublishCommand)
      .resolves({ MessageId: 'ok' })
      .on(PublishCommand, { TopicArn: TOPICS.sms })
      .rejects(Object.assign(new Error('KMS key disabled'), { name: 'KMSDisabledException' }));
    const { logger, lines } = recordingLogger();

    await expect(handlerWith(logger)(sampleEvents.expiring())).rejects.toThrow(
      new FanoutPublishError('publishing Certificate Expiring failed for sms'),
    );

    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(3);
    const errors = lines.filter((l) => l.level === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.fields).toMatchObject({ channel: 'sms', error: { name: 'KMSDisabledException' } });
  });

  it('rejects an invocation that is not an EventBridge event', async () => {
    await expect(handlerWith()({ hello: 'world' })).rejects.toBeInstanceOf(InvalidFanoutEventError);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
  });
});

describe('fan-out configuration', () => {
  it('reads the three topic ARNs and ROUTING', () => {
    const config = fanoutConfigFromEnv({
      CHAT_TOPIC_ARN: TOPICS.chat,
      SMS_TOPIC_ARN: TOPICS.sms,
      TICKETS_TOPIC_ARN: TOPICS.tickets,
      ROUTING: JSON.stringify({ sms: [] }),
    });
    expect(config.topicArns).toEqual(TOPICS);
    expect(config.routing.sms).toEqual([]);
    expect(config.routing.chat).toEqual(DEFAULT_ROUTING.chat);
  });

  it('fails at init without a topic ARN, naming the variable', () => {
    expect(() => fanoutConfigFromEnv({ CHAT_TOPIC_ARN: TOPICS.chat, SMS_TOPIC_ARN: TOPICS.sms })).toThrow(
      new ConfigurationError('environment variable TICKETS_TOPIC_ARN is required but not set'),
    );
  });
});

describe('the delivery ledger never stops an alert', () => {
  it('with the state table unavailable the fan-out still publishes to every channel and warns', async () => {
    const ddbMock = mockClient(DynamoDBClient);
    ddbMock
      .onAnyCommand()
      .rejects(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));
    snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
    const { logger, lines } = recordingLogger();
    const handler = makeFanoutHandler({
      config: { topicArns: TOPICS, routing: DEFAULT_ROUTING },
      sns: new SNSClient({}),
      logger,
      ledger: new DynamoDbDeliveryLedger({ tableName: 'state' }, new DynamoDBClient({})),
    });
    const result = await handler(sampleEvents.expired());
    expect(result.channels.sort()).toEqual(['chat', 'sms', 'tickets']);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(3);
    expect(lines.filter((l) => l.message.startsWith('delivery ledger unavailable'))).toHaveLength(3);
    ddbMock.restore();
  });
});
