/**
 * The deployed scan fan-out on the local AWS, in-process: an organization in moto (OUs, member
 * accounts seeded through OrganizationAccountAccessRole, the member role created where it should
 * exist), the planner and the per-source scan workers wired exactly as plan-scan.ts and
 * scan-worker.ts wire them, their SQS queues (with a dead-letter queue), the state table and a
 * capture of the bus. `drain()` plays Lambda's SQS event source mapping: receive, invoke, delete
 * what succeeded, until the queues are empty.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ACMClient } from '@aws-sdk/client-acm';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type AccountsSetting, DEFAULT_MEMBER_ROLE_NAME } from '../../lambda/contracts/organization';
import type { SourceSetting } from '../../lambda/contracts/sources';
import { DEFAULT_THRESHOLDS } from '../../lambda/core/evaluate';
import { DEFAULT_EVENT_SOURCE } from '../../lambda/core/events';
import type { Logger } from '../../lambda/core/ports';
import { makePlanHandler } from '../../lambda/handlers/make-plan-handler';
import { makeScanWorkerHandler } from '../../lambda/handlers/make-scan-worker-handler';
import type { Publisher } from '../../lambda/handlers/scan-scope';
import { lifecycleConfig } from '../../lambda/lifecycle/model';
import { EventBusPublisher } from '../../lambda/sinks/bus/event-bus-publisher';
import { SqsBatchSender } from '../../lambda/sinks/queue/sqs-batch-sender';
import { DynamoDbCoverageStore } from '../../lambda/sinks/state/coverage-store';
import { DynamoDbStateStore } from '../../lambda/sinks/state/dynamodb-state-store';
import { discoverAccounts } from '../../lambda/sources/organization/accounts';
import { MemberAccess } from '../../lambda/sources/organization/member-access';
import type { SourceRegistry } from '../../lambda/sources/plugin';
import { SOURCE_REGISTRY } from '../../lambda/sources/registry';
import { captureBus } from './bus-capture';
import { MOTO_ACCOUNT, MOTO_CREDENTIALS, type Moto } from './moto';
import { stateTableInputFromTemplate, watcherEventPattern } from './template';

export interface MemberAccountSpec {
  readonly name: string;
  /** OU name under the root (created once), or the root itself when absent. */
  readonly ou?: string;
  /** Create the member role in it. @default true */
  readonly memberRole?: boolean;
  /** Close it (Organizations makes it SUSPENDED). @default false */
  readonly suspended?: boolean;
}

/**
 * Two teams' OUs (Payments, Platform) of three members, plus a suspended account and one without
 * the member role: what the organization tests and the demo scan.
 */
export const TWO_TEAMS_ORGANIZATION: readonly MemberAccountSpec[] = [
  { name: 'payments-prod', ou: 'Payments' },
  { name: 'payments-dev', ou: 'Payments' },
  { name: 'platform', ou: 'Platform' },
  { name: 'old-sandbox', ou: 'Platform', suspended: true },
  { name: 'no-role', ou: 'Platform', memberRole: false },
];

export interface SeededOrganization {
  readonly rootId: string;
  readonly ouIds: Readonly<Record<string, string>>;
  /** Account id by name. */
  readonly accounts: Readonly<Record<string, string>>;
}

/** Credentials of `account` through the role AWS Organizations creates in every account it creates. */
export const accountCredentials = async (moto: Moto, account: string) => {
  const sts = new STSClient(moto.clientConfig('us-east-1'));
  const out = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`,
      RoleSessionName: 'seed',
    }),
  );
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`no credentials for ${account}`);
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
};

/** An ACM client acting in `account` (for seeding its certificates). */
export const acmIn = async (moto: Moto, account: string, region: string): Promise<ACMClient> =>
  account === MOTO_ACCOUNT
    ? new ACMClient(moto.clientConfig(region))
    : new ACMClient({ ...moto.clientConfig(region), credentials: await accountCredentials(moto, account) });

/** An organization managed by moto's default account, with OUs and member accounts. */
export const seedOrganization = async (
  moto: Moto,
  members: readonly MemberAccountSpec[],
): Promise<SeededOrganization> => {
  const org = new OrganizationsClient(moto.clientConfig('us-east-1'));
  await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const rootId = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? '';
  const ouIds: Record<string, string> = {};
  const accounts: Record<string, string> = {};
  for (const m of members) {
    if (m.ou && !ouIds[m.ou]) {
      const ou = await org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: m.ou }));
      ouIds[m.ou] = ou.OrganizationalUnit?.Id ?? '';
    }
    const created = await org.send(
      new CreateAccountCommand({ AccountName: m.name, Email: `${m.name}@example.com` }),
    );
    const id = created.CreateAccountStatus?.AccountId ?? '';
    accounts[m.name] = id;
    if (m.ou)
      await org.send(
        new MoveAccountCommand({ AccountId: id, SourceParentId: rootId, DestinationParentId: ouIds[m.ou] }),
      );
    if (m.memberRole !== false) {
      const iam = new IAMClient({
        ...moto.clientConfig('us-east-1'),
        credentials: await accountCredentials(moto, id),
      });
      await iam.send(
        new CreateRoleCommand({
          RoleName: DEFAULT_MEMBER_ROLE_NAME,
          AssumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT}:root` },
                Action: 'sts:AssumeRole',
              },
            ],
          }),
        }),
      );
    }
    if (m.suspended) await org.send(new CloseAccountCommand({ AccountId: id }));
  }
  return { rootId, ouIds, accounts };
};

/**
 * AWS Account Management's ListRegions (moto does not implement the Account API): a local HTTP
 * peer speaking its REST-JSON protocol, one base path per account (`/<account>/listRegions`), so
 * the worker's opt-in check runs through the real SDK client. Regions not disabled are
 * ENABLED_BY_DEFAULT.
 */
export const startAccountApi = async (
  disabled: Readonly<Record<string, readonly string[]>>,
  regions: readonly string[],
): Promise<{ endpoint: string; calls: string[]; close: () => Promise<void> }> => {
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const [, account, operation] = (req.url ?? '').split('/');
      calls.push(`${account}/${operation}`);
      res.setHeader('content-type', 'application/json');
      if (operation !== 'listRegions') {
        res.statusCode = 404;
        res.end('{}');
        return;
      }
      res.end(
        JSON.stringify({
          Regions: regions.map((r) => ({
            RegionName: r,
            RegionOptStatus: disabled[account ?? '']?.includes(r) ? 'DISABLED' : 'ENABLED_BY_DEFAULT',
          })),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

export interface PeriodOnMotoOptions {
  readonly home: string;
  readonly name: string;
  readonly sources: readonly SourceSetting[];
  readonly accounts: AccountsSetting;
  readonly plugins?: SourceRegistry;
  readonly gapPeriods?: number;
  /** Wraps the bus publisher (fault injection: a bus that refuses some events). */
  readonly publisher?: (bus: Publisher) => Publisher;
  /** The Account Management API (startAccountApi); without it the opt-in status is unknown, as on moto. */
  readonly accountApiEndpoint?: string;
  readonly logger?: Logger;
}

/** The fan-out on moto. Call `plan(id)` for a period, then `drain()`, then read the bus. */
export const scanFanoutOnMoto = async (moto: Moto, o: PeriodOnMotoOptions) => {
  const dynamodb = new DynamoDBClient(moto.clientConfig(o.home));
  const tableName = `${o.name}-state`;
  await dynamodb.send(new CreateTableCommand(stateTableInputFromTemplate(tableName)));
  const capture = await captureBus(moto.clientConfig(o.home), `${o.name}-bus`, watcherEventPattern());
  const sqs = new SQSClient(moto.clientConfig(o.home));
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${o.name}-scan-dlq` }));
  const dlqArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn;
  const queues: Record<string, string> = {};
  for (const s of o.sources) {
    const q = await sqs.send(
      new CreateQueueCommand({
        QueueName: `${o.name}-scan-${s.kind}`,
        Attributes: {
          VisibilityTimeout: '0',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }),
        },
      }),
    );
    queues[s.kind] = q.QueueUrl ?? '';
  }
  const logger: Logger = o.logger ?? { info: () => {}, warn: () => {}, error: () => {} };
  const bus = new EventBusPublisher(
    { busName: `${o.name}-bus`, source: DEFAULT_EVENT_SOURCE },
    new EventBridgeClient(moto.clientConfig(o.home)),
  );
  const publisher = o.publisher ? o.publisher(bus) : bus;
  const coverage = new DynamoDbCoverageStore({ tableName }, dynamodb);
  const metrics: Record<string, number>[] = [];
  const plan = makePlanHandler({
    config: { account: MOTO_ACCOUNT, accounts: o.accounts, sources: o.sources },
    discover: (setting, self) =>
      discoverAccounts(setting, self, () => new OrganizationsClient(moto.clientConfig('us-east-1'))),
    enqueue: async (kind, units) => {
      await new SqsBatchSender({ queueUrl: queues[kind] ?? '' }, sqs).send(
        units.map((u) => JSON.stringify(u)),
      );
    },
    coverage,
    publisher,
    gapPeriods: o.gapPeriods,
    logger,
    metrics: (m) => metrics.push(m),
  });
  const access = new MemberAccess({
    self: MOTO_ACCOUNT,
    roleName: DEFAULT_MEMBER_ROLE_NAME,
    overrides: { region: 'us-east-1', endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS },
    ...(o.accountApiEndpoint
      ? { accountApi: (account: string) => ({ endpoint: `${o.accountApiEndpoint}/${account}` }) }
      : {}),
  });
  const worker = makeScanWorkerHandler({
    thresholds: DEFAULT_THRESHOLDS,
    units: {
      plugins: o.plugins ?? SOURCE_REGISTRY,
      settings: o.sources,
      access,
      clientOverrides: (region) => moto.clientConfig(region),
    },
    lifecycle: {
      store: new DynamoDbStateStore({ tableName }, dynamodb),
      config: lifecycleConfig(),
    },
    coverage,
    gapPeriods: o.gapPeriods,
    publisher,
    logger,
    metrics: (m) => metrics.push(m),
  });
  /** Lambda's event source mapping, one message per invocation (batch size 1), until every queue is empty. */
  const drain = async (): Promise<{ invocations: number; failures: number }> => {
    let invocations = 0;
    let failures = 0;
    for (let idle = 0; idle < 2; ) {
      let received = 0;
      for (const queueUrl of Object.values(queues)) {
        const out = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, AttributeNames: ['All'] }),
        );
        for (const m of out.Messages ?? []) {
          received++;
          invocations++;
          const event = {
            Records: [
              {
                messageId: m.MessageId ?? '',
                receiptHandle: m.ReceiptHandle ?? '',
                body: m.Body ?? '',
                attributes: m.Attributes ?? {},
                messageAttributes: {},
                md5OfBody: m.MD5OfBody ?? '',
                eventSource: 'aws:sqs',
                eventSourceARN: 'arn:aws:sqs:local',
                awsRegion: o.home,
              },
            ],
          } as unknown as SQSEvent;
          const response = (await worker(event)) as SQSBatchResponse;
          if (response.batchItemFailures.length > 0) failures++;
          else
            await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
        }
      }
      idle = received === 0 ? idle + 1 : 0;
    }
    return { invocations, failures };
  };
  return { plan, drain, capture, coverage, metrics, queues, tableName, sqs };
};
