/**
 * The alert path after the bus on the local AWS, in-process, wired as the stack wires it: the
 * fan-out handler publishes to three SNS topics on moto; the notifier's queue subscribes to the chat
 * topic and the ticket Lambda's to the tickets topic (SNS envelopes, not raw); each SMS number is a
 * raw SQS queue standing in for the phone, with the filter policy its subscription has in the
 * template. `route(events)` plays EventBridge (one fan-out invocation per event) and Lambda's SQS
 * event source mappings (drain, invoke, fail on any batch item failure). Webhook URLs and ticket
 * credentials live in moto's Secrets Manager and are read through the real SecretsManagerReader.
 */
import { randomUUID } from 'node:crypto';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { WatcherEvent } from '../../lambda/channels/format/view';
import { type Channel, DEFAULT_ROUTING, type Routing } from '../../lambda/contracts/channels';
import type { OwnerRules } from '../../lambda/contracts/owners';
import type { ConnectorConfig } from '../../lambda/contracts/ticket-connectors';
import { type Logger, silentLogger } from '../../lambda/core/ports';
import { makeFanoutHandler } from '../../lambda/handlers/make-fanout-handler';
import { makeNotifyHandler } from '../../lambda/handlers/make-notify-handler';
import { makeTicketHandler } from '../../lambda/handlers/make-ticket-handler';
import { SecretsManagerReader } from '../../lambda/sinks/secrets/secrets-manager-reader';
import { InMemoryTicketRefStore } from './in-memory-ticket-store';
import { localHttpsFetch } from './local-https';
import type { Moto } from './moto';

/** A connector's configuration without its secret (which the harness creates). */
type WithoutSecret<T> = T extends unknown ? Omit<T, 'secretId'> : never;

export interface RoutingOnMotoOptions {
  readonly region: string;
  /** Prefix of the topics, queues and secrets (unique per test). */
  readonly name: string;
  readonly owners?: OwnerRules;
  /** @default DEFAULT_ROUTING */
  readonly routing?: Routing;
  /** Webhook destinations; each URL is stored as the destination's secret. */
  readonly webhooks?: readonly { readonly name: string; readonly kind: string; readonly url: string }[];
  /** Ticket connectors without `secretId`, each with the credentials its secret holds. */
  readonly connectors?: readonly {
    readonly config: WithoutSecret<ConnectorConfig>;
    readonly secret: Record<string, string>;
  }[];
  /** SMS numbers and the filter policy of each one's subscription (undefined: none). */
  readonly sms?: Readonly<Record<string, Readonly<Record<string, unknown>> | undefined>>;
  readonly logger?: Logger;
}

export interface RoutedEvents {
  /** The owner the fan-out stamped on each event's messages, by event id. */
  readonly owners: Record<string, string | undefined>;
  /** The SMS texts each number received. */
  readonly sms: Record<string, string[]>;
}

export const routingOnMoto = async (moto: Moto, o: RoutingOnMotoOptions) => {
  const config = moto.clientConfig(o.region);
  const sns = new SNSClient(config);
  const sqs = new SQSClient(config);
  const secretsClient = new SecretsManagerClient(config);
  const id = `${o.name}-${randomUUID().slice(0, 8)}`;
  const logger = o.logger ?? silentLogger;

  const topic = async (channel: Channel) =>
    (await sns.send(new CreateTopicCommand({ Name: `${id}-${channel}` }))).TopicArn as string;
  const topicArns = { chat: await topic('chat'), sms: await topic('sms'), tickets: await topic('tickets') };
  const queueOn = async (
    topicArn: string,
    name: string,
    attributes: Record<string, string> = {},
  ): Promise<string> => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${id}-${name}` }));
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] })))
      .Attributes?.QueueArn;
    await sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: arn, Attributes: attributes }),
    );
    return QueueUrl as string;
  };
  const secret = async (name: string, value: string): Promise<string> => {
    const secretId = `${id}/${name}`;
    await secretsClient.send(new CreateSecretCommand({ Name: secretId, SecretString: value }));
    return secretId;
  };

  const fanout = makeFanoutHandler({
    config: { topicArns, routing: o.routing ?? DEFAULT_ROUTING, ...(o.owners ? { owners: o.owners } : {}) },
    sns,
    logger,
  });
  const reader = new SecretsManagerReader(secretsClient, 60_000);
  const consumers: { queueUrl: string; handle: (e: SQSEvent) => Promise<SQSBatchResponse> }[] = [];
  if (o.webhooks?.length) {
    const destinations = [];
    for (const w of o.webhooks)
      destinations.push({ name: w.name, kind: w.kind, secretId: await secret(w.name, w.url) });
    const notify = makeNotifyHandler({
      config: {
        destinations,
        timeoutMs: 5_000,
        maxAttempts: 2,
        secretCacheTtlMs: 60_000,
        ...(o.owners ? { owners: o.owners } : {}),
      },
      secrets: reader,
      fetch: localHttpsFetch,
      logger,
    });
    consumers.push({ queueUrl: await queueOn(topicArns.chat, 'notifier'), handle: (e) => notify(e) });
  }
  if (o.connectors?.length) {
    const connectors: ConnectorConfig[] = [];
    for (const c of o.connectors)
      connectors.push({
        ...c.config,
        secretId: await secret(c.config.name, JSON.stringify(c.secret)),
      } as ConnectorConfig);
    const stores = new Map<string, InMemoryTicketRefStore>();
    const tickets = makeTicketHandler({
      config: {
        connectors,
        timeoutMs: 5_000,
        maxAttempts: 2,
        secretCacheTtlMs: 60_000,
        claimLeaseMs: 60_000,
        ...(o.owners ? { owners: o.owners } : {}),
      },
      secrets: reader,
      fetch: localHttpsFetch,
      refStore: (_c, _i, store) =>
        stores.get(store) ?? stores.set(store, new InMemoryTicketRefStore()).get(store)!,
      logger,
    });
    consumers.push({ queueUrl: await queueOn(topicArns.tickets, 'tickets'), handle: (e) => tickets(e) });
  }
  const phones: [string, string][] = [];
  for (const [number, filter] of Object.entries(o.sms ?? {}))
    phones.push([
      number,
      await queueOn(topicArns.sms, `sms-${number.replace(/\D/g, '')}`, {
        RawMessageDelivery: 'true',
        ...(filter ? { FilterPolicy: JSON.stringify(filter) } : {}),
      }),
    ]);

  /** Everything in a queue now, deleted as it is read. */
  const drain = async (queueUrl: string) => {
    const messages: { messageId: string; body: string }[] = [];
    for (;;) {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (!Messages?.length) return messages;
      for (const m of Messages) {
        messages.push({ messageId: m.MessageId ?? '', body: m.Body ?? '' });
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
      }
    }
  };

  const route = async (events: readonly WatcherEvent[]): Promise<RoutedEvents> => {
    const owners: Record<string, string | undefined> = {};
    for (const e of events) owners[e.id ?? ''] = (await fanout(e)).owner;
    for (const { queueUrl, handle } of consumers) {
      const messages = await drain(queueUrl);
      if (messages.length === 0) continue;
      const out = await handle({ Records: messages } as unknown as SQSEvent);
      if (out.batchItemFailures.length > 0)
        throw new Error(`${out.batchItemFailures.length} message(s) failed delivery from ${queueUrl}`);
    }
    const sms: Record<string, string[]> = {};
    for (const [number, queueUrl] of phones) sms[number] = (await drain(queueUrl)).map((m) => m.body);
    return { owners, sms };
  };

  const close = () => {
    sns.destroy();
    sqs.destroy();
    secretsClient.destroy();
  };
  return { route, topicArns, close };
};
