/**
 * An organization's AWS answered in-process at the HTTP layer for the organization bench: one
 * request handler given to every real SDK client, routed by the service and the access key in the
 * SigV4 credential scope (assumed-role keys name their account, as moto isolates accounts by
 * credentials). Organizations (an OU tree, 20 per page like the service), STS AssumeRole, Account
 * Management ListRegions, ACM and Secrets Manager (a few certificates per account and region),
 * SQS SendMessageBatch (messages kept for the bench to deliver), EventBridge PutEvents and DynamoDB
 * (bench-fake-dynamodb.ts). It counts calls by API and, per invocation, a modelled AWS latency:
 * each call's typical latency (MODEL_LATENCY_MS); calls that overlap form a group, which takes
 * ceil(calls / most in flight at once) rounds of its slowest call, so a handler's parallel reads
 * are not added up and a pipeline of k at a time is counted in rounds.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { HttpResponse } from '@smithy/core/transport';
import { ConditionalCheckFailed, dynamoOperation, type FakeDynamoTable } from './bench-fake-dynamodb';

/**
 * Assumed round-trip latencies in ms (not measured: typical in-region figures; Organizations and
 * Account Management are served from us-east-1). The previous sections name 100–300 ms per ACM
 * page and 10–30 ms per GetSecretValue.
 */
export const MODEL_LATENCY_MS: Record<string, number> = {
  'organizations:*': 100,
  'account:*': 100,
  'sts:AssumeRole': 50,
  'acm:ListCertificates': 100,
  'acm:DescribeCertificate': 50,
  'secretsmanager:ListSecrets': 50,
  'secretsmanager:GetSecretValue': 20,
  'dynamodb:*': 5,
  'sqs:*': 10,
  'events:PutEvents': 20,
};

const latencyOf = (api: string) => MODEL_LATENCY_MS[api] ?? MODEL_LATENCY_MS[`${api.split(':')[0]}:*`] ?? 50;

export const readBody = (body: unknown): string => {
  if (typeof body === 'string') return body;
  // View the bytes without calling methods on the SDK's string-adapter subclass of Uint8Array.
  if (body instanceof Uint8Array)
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  return '';
};

export const httpResponse = (status: number, body: string, contentType: string) => ({
  response: new HttpResponse({
    statusCode: status,
    headers: { 'content-type': contentType },
    body: Readable.from([Buffer.from(body)]),
  }),
});

/** Credentials of an account as the fake STS hands them out: the access key names the account. */
export const credentialsOf = (account: string) => ({
  accessKeyId: `ASIA${account}`,
  secretAccessKey: 'bench',
  sessionToken: `bench-${account}`,
});

export interface OrgAccount {
  readonly id: string;
  readonly name: string;
  readonly ou: string;
}

/** What one account holds in one region. */
export interface ScopeContent {
  readonly acm: readonly Record<string, unknown>[];
  readonly secrets: readonly { readonly name: string; readonly arn: string; readonly value: string }[];
}

export interface FakeOrganization {
  readonly rootId: string;
  /** OU id → its parent id and name. */
  readonly ous: ReadonlyMap<string, { readonly parent: string; readonly name: string }>;
  readonly accounts: readonly OrgAccount[];
  /** Region names ListRegions returns, each enabled. */
  readonly allRegions: readonly string[];
  /** What a scope holds. */
  content(account: string, region: string): ScopeContent;
}

export interface FakeAwsOptions {
  readonly org: FakeOrganization;
  /** The account whose own credentials (`watcherCredentials`) the functions use. */
  readonly watcherAccount: string;
  readonly watcherAccessKeyId: string;
  readonly table: FakeDynamoTable;
  /** Send DynamoDB calls to this endpoint (moto) instead of the in-process table: the bench's cross-check. */
  readonly dynamoEndpoint?: string;
}

interface Req {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

const page = <T>(list: readonly T[], token: unknown, size: number) => {
  const start = Number(token ?? 0);
  const end = start + size;
  return { items: list.slice(start, end), next: end < list.length ? String(end) : undefined };
};

export class FakeAws {
  /** Calls by `service:Operation`. */
  readonly calls: Record<string, number> = {};
  /** Messages sent per queue URL (the bench delivers them to the workers). */
  readonly queues = new Map<string, string[]>();
  /** PutEvents entries by detail-type. */
  readonly events: Record<string, number> = {};
  eventBytes = 0;
  private inFlight = 0;
  /** The calls of the current group: from the first call in flight until none is. */
  private group = { maxMs: 0, calls: 0, peak: 0 };
  private pathMs = 0;

  constructor(private readonly o: FakeAwsOptions) {}

  /** Modelled AWS latency since the last call to this method (one invocation's critical path). */
  takeLatencyMs(): number {
    const ms = this.pathMs;
    this.pathMs = 0;
    return ms;
  }

  /** The `requestHandler` every SDK client of the bench is given. */
  readonly handler = {
    handle: async (request: Req) => {
      const auth = request.headers.authorization ?? request.headers.Authorization ?? '';
      const m = /Credential=([^/]+)\/\d+\/([^/]+)\/([^/]+)\//.exec(auth);
      if (!m) throw new Error('fake AWS: unsigned request');
      const [, keyId = '', region = '', service = ''] = m;
      const account =
        keyId === this.o.watcherAccessKeyId
          ? this.o.watcherAccount
          : keyId.startsWith('ASIA')
            ? keyId.slice(4)
            : '';
      const target = request.headers['x-amz-target'] ?? '';
      const body = readBody(request.body);
      const op =
        service === 'sts'
          ? (new URLSearchParams(body).get('Action') ?? '')
          : service === 'account'
            ? request.path.replace(/^.*\//, '').replace(/^./, (c) => c.toUpperCase())
            : (target.split('.')[1] ?? '');
      const api = `${service}:${op}`;
      this.calls[api] = (this.calls[api] ?? 0) + 1;
      if (++this.inFlight === 1) this.group = { maxMs: 0, calls: 0, peak: 0 };
      this.group.calls++;
      this.group.peak = Math.max(this.group.peak, this.inFlight);
      this.group.maxMs = Math.max(this.group.maxMs, latencyOf(api));
      // Let calls issued together be in flight together.
      await new Promise((r) => setImmediate(r));
      try {
        if (service === 'dynamodb' && this.o.dynamoEndpoint)
          return await this.forward(this.o.dynamoEndpoint, request, body);
        return this.answer(service, op, account, region, body);
      } finally {
        // A group of calls issued k at a time (mapLimit) takes ceil(calls / k) rounds of its slowest call.
        if (--this.inFlight === 0)
          this.pathMs += this.group.maxMs * Math.ceil(this.group.calls / this.group.peak);
      }
    },
  };

  private async forward(endpoint: string, request: Req, body: string) {
    const res = await fetch(endpoint + request.path, {
      method: request.method,
      headers: Object.fromEntries(
        Object.entries(request.headers).filter(([k]) => !/^(host|content-length)$/i.test(k)),
      ),
      body,
    });
    return httpResponse(
      res.status,
      await res.text(),
      res.headers.get('content-type') ?? 'application/x-amz-json-1.0',
    );
  }

  private json(body: unknown, version = '1.1') {
    return httpResponse(200, JSON.stringify(body), `application/x-amz-json-${version}`);
  }

  private answer(service: string, op: string, account: string, region: string, raw: string) {
    if (service === 'sts') return this.sts(raw);
    const input = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    switch (service) {
      case 'organizations':
        return this.json(this.organizations(op, input));
      case 'account': {
        const p = page(
          this.o.org.allRegions.map((r) => ({ RegionName: r, RegionOptStatus: 'ENABLED_BY_DEFAULT' })),
          input.NextToken,
          Number(input.MaxResults ?? 20),
        );
        return httpResponse(200, JSON.stringify({ Regions: p.items, NextToken: p.next }), 'application/json');
      }
      case 'acm':
        return this.json(this.acm(op, input, this.o.org.content(account, region)));
      case 'secretsmanager':
        return this.json(this.secrets(op, input, this.o.org.content(account, region)));
      case 'sqs':
        return this.json(this.sqs(op, input), '1.0');
      case 'events':
        return this.json(this.putEvents(input));
      case 'dynamodb':
        try {
          return this.json(dynamoOperation(this.o.table, op, input), '1.0');
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailed)) throw error;
          return httpResponse(
            400,
            JSON.stringify({
              __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
              message: error.message,
            }),
            'application/x-amz-json-1.0',
          );
        }
      default:
        throw new Error(`fake AWS: no ${service}`);
    }
  }

  private sts(raw: string) {
    const params = new URLSearchParams(raw);
    const arn = params.get('RoleArn') ?? '';
    const account = arn.split(':')[4] ?? '';
    const c = credentialsOf(account);
    const expiration = new Date(Date.now() + 3_600_000).toISOString();
    return httpResponse(
      200,
      `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>${c.accessKeyId}</AccessKeyId><SecretAccessKey>${c.secretAccessKey}</SecretAccessKey><SessionToken>${c.sessionToken}</SessionToken><Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROABENCH:${params.get('RoleSessionName')}</AssumedRoleId><Arn>arn:aws:sts::${account}:assumed-role/bench/${params.get('RoleSessionName')}</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>bench</RequestId></ResponseMetadata></AssumeRoleResponse>`,
      'text/xml',
    );
  }

  private organizations(op: string, input: Record<string, unknown>) {
    const org = this.o.org;
    const size = Number(input.MaxResults ?? 20);
    if (op === 'ListRoots')
      return { Roots: [{ Id: org.rootId, Name: 'Root', Arn: `arn:aws:organizations::root/${org.rootId}` }] };
    if (op === 'ListOrganizationalUnitsForParent') {
      const p = page(
        [...org.ous].filter(([, v]) => v.parent === input.ParentId).map(([Id, v]) => ({ Id, Name: v.name })),
        input.NextToken,
        size,
      );
      return { OrganizationalUnits: p.items, NextToken: p.next };
    }
    if (op === 'ListAccountsForParent') {
      const p = page(
        org.accounts
          .filter((a) => a.ou === input.ParentId)
          .map((a) => ({
            Id: a.id,
            Name: a.name,
            Email: `${a.name}@example.com`,
            Status: 'ACTIVE',
            State: 'ACTIVE',
          })),
        input.NextToken,
        size,
      );
      return { Accounts: p.items, NextToken: p.next };
    }
    throw new Error(`fake Organizations: ${op}`);
  }

  private acm(op: string, input: Record<string, unknown>, content: ScopeContent) {
    if (op === 'ListCertificates') {
      const p = page(content.acm, input.NextToken, Number(input.MaxItems ?? 1000));
      return { CertificateSummaryList: p.items, NextToken: p.next };
    }
    if (op === 'DescribeCertificate')
      return {
        Certificate: {
          CertificateArn: input.CertificateArn,
          InUseBy: ['arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/1'],
          RenewalSummary: { RenewalStatus: 'PENDING_AUTO_RENEWAL' },
        },
      };
    throw new Error(`fake ACM: ${op}`);
  }

  private secrets(op: string, input: Record<string, unknown>, content: ScopeContent) {
    if (op === 'ListSecrets') {
      const p = page(
        content.secrets.map((s) => ({
          ARN: s.arn,
          Name: s.name,
          Tags: [{ Key: 'cert-watch:watch', Value: 'true' }],
        })),
        input.NextToken,
        Number(input.MaxResults ?? 100),
      );
      return { SecretList: p.items, NextToken: p.next };
    }
    if (op === 'GetSecretValue') {
      const s = content.secrets.find((x) => x.arn === input.SecretId);
      if (!s) throw new Error(`fake Secrets Manager: no ${String(input.SecretId)}`);
      return { ARN: s.arn, Name: s.name, SecretString: s.value };
    }
    throw new Error(`fake Secrets Manager: ${op}`);
  }

  private sqs(op: string, input: Record<string, unknown>) {
    if (op !== 'SendMessageBatch') throw new Error(`fake SQS: ${op}`);
    const entries = input.Entries as { Id: string; MessageBody: string }[];
    const queue = this.queues.get(String(input.QueueUrl)) ?? [];
    this.queues.set(String(input.QueueUrl), queue);
    queue.push(...entries.map((e) => e.MessageBody));
    return {
      Successful: entries.map((e, i) => ({
        Id: e.Id,
        MessageId: `m-${queue.length - entries.length + i}`,
        MD5OfMessageBody: createHash('md5').update(e.MessageBody).digest('hex'),
      })),
      Failed: [],
    };
  }

  private putEvents(input: Record<string, unknown>) {
    const entries = input.Entries as { DetailType: string; Detail: string }[];
    for (const e of entries) {
      this.events[e.DetailType] = (this.events[e.DetailType] ?? 0) + 1;
      this.eventBytes += Buffer.byteLength(e.Detail);
    }
    return { FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: `e-${i}` })) };
  }
}
