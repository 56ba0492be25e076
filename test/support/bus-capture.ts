/**
 * Routes events from a bus on moto to an SQS queue through a rule, the way EventBridge delivers
 * them in AWS (moto cannot target SNS or Lambda), and reads back what arrived.
 */
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';

export interface ReceivedEvent {
  readonly id: string;
  readonly source: string;
  readonly 'detail-type': string;
  readonly resources: string[];
  readonly time: string;
  readonly region: string;
  readonly detail: Record<string, unknown>;
}

export interface BusCapture {
  readonly busName: string;
  /** Reads until `count` events arrived (or the timeout passes, returning what arrived). */
  receive(count: number, timeoutMs?: number): Promise<ReceivedEvent[]>;
}

export const captureBus = async (
  config: { region: string; endpoint: string; credentials: { accessKeyId: string; secretAccessKey: string } },
  busName: string,
  eventPattern: unknown,
): Promise<BusCapture> => {
  const events = new EventBridgeClient(config);
  const sqs = new SQSClient(config);
  await events.send(new CreateEventBusCommand({ Name: busName }));
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: `${busName}-capture` }));
  const queueUrl = queue.QueueUrl ?? '';
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  await events.send(
    new PutRuleCommand({
      Name: `${busName}-capture`,
      EventBusName: busName,
      EventPattern: JSON.stringify(eventPattern),
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: `${busName}-capture`,
      EventBusName: busName,
      Targets: [{ Id: 'capture', Arn: attrs.Attributes?.QueueArn }],
    }),
  );
  return {
    busName,
    receive: async (count, timeoutMs = 10_000) => {
      const out: ReceivedEvent[] = [];
      const deadline = Date.now() + timeoutMs;
      while (out.length < count && Date.now() < deadline) {
        const res = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        const messages = res.Messages ?? [];
        for (const m of messages) out.push(JSON.parse(m.Body ?? '{}') as ReceivedEvent);
        if (messages.length > 0) {
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
            }),
          );
        }
      }
      return out;
    },
  };
};
