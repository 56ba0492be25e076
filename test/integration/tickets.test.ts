/**
 * The ticket Lambda end to end, in-process: SQS records carrying SNS notifications of watcher
 * events built from real generated certificates → real HTTP requests to local servers that
 * answer as Jira Cloud, ServiceNow, GitHub and PagerDuty do. Sleeps are recorded instead of
 * waited, so Retry-After and backoff cost no test time.
 */
import { X509Certificate } from 'node:crypto';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WatcherEvent } from '../../lambda/channels/format/view';
import { DEFAULT_SEARCH_LAG_SECONDS, dedupKeyOf, parseConnectors } from '../../lambda/channels/tickets';
import type { CertificateRecord } from '../../lambda/core/certificate';
import { DEFAULT_THRESHOLDS, evaluate } from '../../lambda/core/evaluate';
import { DEFAULT_EVENT_SOURCE } from '../../lambda/core/events';
import { makeTicketHandler, ticketConfigFromEnv } from '../../lambda/handlers/make-ticket-handler';
import { type LifecycleInfo, lifecycleEvent } from '../../lambda/lifecycle/lifecycle-events';
import { lifecycleConfig } from '../../lambda/lifecycle/model';
import { ConfigurationError } from '../../lambda/shared/env';
import { jsonLogger } from '../../lambda/shared/logger';
import { CachedSecretReader, type SecretReader } from '../../lambda/sinks/secrets/secret-reader';
import { DynamoDbDeliveryLedger } from '../../lambda/sinks/state/delivery-ledger';
import { createStateTable, DynamoDbStateStore } from '../../lambda/sinks/state/dynamodb-state-store';
import { DynamoDbStateAdmin } from '../../lambda/sinks/state/state-admin';
import {
  DynamoDbTicketRefStore,
  type TicketRecord,
  ticketItemKey,
} from '../../lambda/sinks/state/ticket-ref-store';
import { certInfo } from '../../lambda/sources/endpoint/cert-info';
import { recordFromCertInfo } from '../../lambda/sources/x509-record';
import { createCertificate, DAY_MS, daysFrom } from '../support/certs';
import { InMemoryTicketRefStore } from '../support/in-memory-ticket-store';
import { Harness as LifecycleHarness } from '../support/lifecycle-harness';
import { localHttpsFetch } from '../support/local-https';
import { type Moto, startMoto } from '../support/moto';
import { startTicketServer, type TicketServer, type TicketSystem } from '../support/ticket-servers';

const T0 = new Date('2026-11-25T12:00:00.000Z');
const LEASE_MS = 60_000;
const LOCATION = 'api.example.com:443@192.0.2.10';

const snsBody = (event: WatcherEvent) =>
  JSON.stringify({
    Type: 'Notification',
    MessageId: `sns-${Math.random()}`,
    TopicArn: 'arn:aws:sns:eu-west-1:111122223333:cert-watch-tickets',
    Message: JSON.stringify(event),
    Timestamp: '2026-11-25T12:00:01.000Z',
    SignatureVersion: '1',
  });

const sqsRecord = (messageId: string, body: string): SQSRecord =>
  ({
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {} as SQSRecord['attributes'],
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:111122223333:cert-watch-tickets',
    awsRegion: 'eu-west-1',
  }) as SQSRecord;

const sqs = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

const recordOf = async (notAfter: Date, serial: string): Promise<CertificateRecord> => {
  const g = await createCertificate({
    commonName: 'api.example.com',
    dnsNames: ['api.example.com', 'www.api.example.com'],
    notBefore: new Date(notAfter.getTime() - 90 * DAY_MS),
    notAfter,
    serialNumber: serial,
  });
  return recordFromCertInfo(certInfo(new X509Certificate(g.certPem)), {
    source: 'endpoint',
    id: LOCATION,
    labels: { team: 'platform' },
  });
};

const envelope = (e: ReturnType<typeof lifecycleEvent>): WatcherEvent => ({
  version: '0',
  id: `evt-${e.detail.eventId}`,
  'detail-type': e.detailType,
  source: DEFAULT_EVENT_SOURCE,
  account: '111122223333',
  time: e.time.toISOString(),
  region: 'eu-west-1',
  resources: e.resources,
  detail: JSON.parse(JSON.stringify(e.detail)),
});

const identity = (r: CertificateRecord) => r.fingerprintSha256 ?? r.serialNumber ?? '';

const alert = (
  record: CertificateRecord,
  now: Date,
  transition: LifecycleInfo['transition'],
  extra: Partial<LifecycleInfo> = {},
): WatcherEvent => {
  const evaluation = evaluate(record, now, DEFAULT_THRESHOLDS);
  return envelope(
    lifecycleEvent({
      record,
      evaluation,
      lifecycle: {
        transition,
        tierDays: evaluation.tierDays,
        previousTierDays: null,
        reminderCount: transition === 'tier-reminder' ? 1 : 0,
        acked: false,
        thresholdBasis: 'days',
        firstSeenAt: '2026-08-01T00:00:00.000Z',
        ...extra,
      },
      scanId: `scan-${now.toISOString()}`,
      now,
      problems: [],
      idParts: [evaluation.tierDays, now.toISOString().slice(0, 10)],
      location: LOCATION,
      identity: identity(record),
    }),
  );
};

const SYSTEMS: TicketSystem[] = ['jira', 'servicenow', 'github', 'pagerduty'];
const servers = {} as Record<TicketSystem, TicketServer>;
let oldCert: CertificateRecord;
let newCert: CertificateRecord;
/** Events of one lifecycle: 14-day tier (warning), its reminder, 7-day tier (critical), renewed. */
let events: { warning: WatcherEvent; reminder: WatcherEvent; critical: WatcherEvent; renewed: WatcherEvent };

beforeAll(async () => {
  for (const s of SYSTEMS) servers[s] = await startTicketServer(s);
  oldCert = await recordOf(daysFrom(T0, 12), '0a01');
  newCert = await recordOf(daysFrom(T0, 120), '0a02');
  events = {
    warning: alert(oldCert, T0, 'tier-entered'),
    reminder: alert(oldCert, daysFrom(T0, 1), 'tier-reminder'),
    critical: alert(oldCert, daysFrom(T0, 6), 'tier-entered', { previousTierDays: 14 }),
    renewed: alert(newCert, daysFrom(T0, 7), 'renewed', {
      tierDays: null,
      previousTierDays: 7,
      previous: {
        fingerprintSha256: oldCert.fingerprintSha256,
        serialNumber: oldCert.serialNumber,
        notAfter: oldCert.notAfter?.toISOString(),
      },
      resolves: 'tier-entered',
    }),
  };
});

afterAll(async () => {
  await Promise.all(SYSTEMS.map((s) => servers[s]?.close()));
});

beforeEach(() => {
  for (const s of SYSTEMS) {
    servers[s].requests.length = 0;
    servers[s].tickets.length = 0;
    servers[s].script.length = 0;
    servers[s].searchLagMs = 0;
    servers[s].clock = Date.now;
    servers[s].intercept = undefined;
  }
});

interface Harness {
  handler: ReturnType<typeof makeTicketHandler>;
  store: InMemoryTicketRefStore;
  logs: string[];
  sleeps: number[];
  secretValues: string[];
}

const harness = (
  system: TicketSystem,
  over: {
    secret?: Record<string, string>;
    maxAttempts?: number;
    now?: () => number;
    timeoutMs?: number;
  } = {},
): Harness => {
  const server = servers[system];
  const secret = over.secret ?? server.secret;
  const secretStore = new Map([[`cert-watch/${system}`, JSON.stringify(secret)]]);
  const reader: SecretReader = {
    get: async (id) => {
      const v = secretStore.get(id);
      if (v === undefined) throw new Error(`no secret ${id}`);
      return v;
    },
  };
  const connectors = parseConnectors(
    JSON.stringify([
      {
        name: `${system}-main`,
        kind: system,
        secretId: `cert-watch/${system}`,
        baseUrl: server.baseUrl,
        ...server.connectorFields,
      },
    ]),
  );
  const store = new InMemoryTicketRefStore();
  const logs: string[] = [];
  const sleeps: number[] = [];
  const handler = makeTicketHandler({
    config: {
      connectors,
      timeoutMs: over.timeoutMs ?? 2000,
      maxAttempts: over.maxAttempts ?? 3,
      secretCacheTtlMs: 60_000,
      claimLeaseMs: LEASE_MS,
    },
    secrets: new CachedSecretReader(reader),
    fetch: localHttpsFetch,
    now: over.now,
    refStore: () => store,
    logger: jsonLogger({ component: 'tickets' }, (l) => logs.push(l)),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
  });
  const basic = (a?: string, b?: string) => Buffer.from(`${a}:${b}`).toString('base64');
  const secretValues = [
    ...Object.values(server.secret),
    basic(server.secret.email, server.secret.apiToken),
    basic(server.secret.user, server.secret.password),
  ].filter((v) => v.length > 12);
  return { handler, store, logs, sleeps, secretValues };
};

const deliver = (h: Harness, event: WatcherEvent, messageId = `m-${Math.random()}`) =>
  h.handler(sqs(sqsRecord(messageId, snsBody(event))));

const key = () => dedupKeyOf(LOCATION, oldCert.fingerprintSha256!);
const calls = (s: TicketServer) => s.requests.map((r) => `${r.method} ${r.path}`);
const adfText = (doc: unknown): string =>
  JSON.stringify(doc)
    .match(/"text":"[^"]*"/g)
    ?.join(' ') ?? '';

describe('whole lifecycle: open → reminder (nothing) → escalation (comment) → renewed (resolved)', () => {
  it('Jira Cloud: issue with ADF and the dedup label, ADF comment, transition to the Done category', async () => {
    const s = servers.jira;
    const h = harness('jira');
    expect(await deliver(h, events.warning)).toEqual({ batchItemFailures: [] });
    expect(calls(s)).toEqual(['POST /rest/api/3/search/jql', 'POST /rest/api/3/issue']);
    const [search, create] = s.requests;
    expect(search!.json).toEqual({
      jql: `project = "OPS" AND labels = "${key()}" AND statusCategory != Done ORDER BY created ASC`,
      fields: ['summary'],
      maxResults: 1,
    });
    const fields = (create!.json as { fields: Record<string, unknown> }).fields;
    expect(fields.project).toEqual({ key: 'OPS' });
    expect(fields.issuetype).toEqual({ name: 'Task' });
    expect(fields.summary).toBe('Certificate expires in 12 days: api.example.com (192.0.2.10:443)');
    expect(fields.labels).toEqual(['certificate-expiry', key()]);
    expect(fields.description).toMatchObject({ type: 'doc', version: 1 });
    expect(adfText(fields.description)).toContain('Severity: warning (tier 14 days)');
    expect(create!.headers.authorization).toBe(
      `Basic ${Buffer.from(`${s.secret.email}:${s.secret.apiToken}`).toString('base64')}`,
    );
    expect(await h.store.get(LOCATION)).toMatchObject({
      system: 'jira',
      key: 'OPS-1',
      url: `${s.baseUrl}/browse/OPS-1`,
      dedupKey: key(),
      severity: 'warning',
      tierDays: 14,
    });

    s.requests.length = 0;
    expect(await deliver(h, events.reminder)).toEqual({ batchItemFailures: [] });
    expect(calls(s)).toEqual([]);

    expect(await deliver(h, events.critical)).toEqual({ batchItemFailures: [] });
    expect(calls(s)).toEqual(['POST /rest/api/3/issue/OPS-1/comment']);
    expect(adfText((s.requests[0]!.json as { body: unknown }).body)).toContain(
      'Severity: critical (tier 7 days)',
    );
    expect(await h.store.get(LOCATION)).toMatchObject({ key: 'OPS-1', severity: 'critical', tierDays: 7 });

    s.requests.length = 0;
    expect(await deliver(h, events.renewed)).toEqual({ batchItemFailures: [] });
    expect(calls(s)).toEqual([
      'GET /rest/api/3/issue/OPS-1/transitions',
      'POST /rest/api/3/issue/OPS-1/transitions',
    ]);
    const transition = s.requests[1]!.json as {
      transition: { id: string };
      update: { comment: { add: { body: unknown } }[] };
    };
    expect(transition.transition).toEqual({ id: '31' });
    expect(adfText(transition.update.comment[0]!.add.body)).toContain('Certificate renewed');
    expect(s.tickets).toHaveLength(1);
    expect(s.tickets[0]).toMatchObject({ key: 'OPS-1', open: false });
    expect(s.tickets[0]!.comments).toHaveLength(2);
    expect(await h.store.get(LOCATION)).toBeNull();
  });

  it('ServiceNow: incident with correlation_id, work note, state 6 with close code and notes', async () => {
    const s = servers.servicenow;
    const h = harness('servicenow');
    expect(await deliver(h, events.warning)).toEqual({ batchItemFailures: [] });
    expect(calls(s)).toEqual(['GET /api/now/table/incident', 'POST /api/now/table/incident']);
    expect(s.requests[0]!.query).toEqual({
      sysparm_query: `correlation_id=${key()}^active=true^ORDERBYsys_created_on`,
      sysparm_fields: 'sys_id,number',
      sysparm_limit: '1',
    });
    expect(s.requests[1]!.json).toMatchObject({
      short_description: 'Certificate expires in 12 days: api.example.com (192.0.2.10:443)',
      correlation_id: key(),
      correlation_display: 'cert-expiry-watcher',
      category: 'software',
      urgency: '2',
      impact: '3',
    });
    expect((s.requests[1]!.json as { description: string }).description).toContain(
      'Severity: warning (tier 14 days)',
    );
    const sysId = s.tickets[0]!.key;
    expect(await h.store.get(LOCATION)).toMatchObject({ system: 'servicenow', key: sysId });

    s.requests.length = 0;
    await deliver(h, events.reminder);
    expect(calls(s)).toEqual([]);
    await deliver(h, events.critical);
    expect(calls(s)).toEqual([`PATCH /api/now/table/incident/${sysId}`]);
    expect(s.requests[0]!.json).toMatchObject({ urgency: '1', impact: '2' });
    expect((s.requests[0]!.json as { work_notes: string }).work_notes).toContain(
      'Severity: critical (tier 7 days)',
    );

    s.requests.length = 0;
    expect(await deliver(h, events.renewed)).toEqual({ batchItemFailures: [] });
    expect(calls(s)).toEqual([`PATCH /api/now/table/incident/${sysId}`]);
    expect(s.requests[0]!.json).toMatchObject({ state: '6', close_code: 'Solution provided' });
    expect((s.requests[0]!.json as { close_notes: string }).close_notes).toContain('Certificate renewed');
    expect(s.tickets).toHaveLength(1);
    expect(s.tickets[0]!.open).toBe(false);
    expect(await h.store.get(LOCATION)).toBeNull();
  });

  it('GitHub Issues: issue with the dedup label, comment, closed as completed', async () => {
    const s = servers.github;
    const h = harness('github');
    expect(await deliver(h, events.warning)).toEqual({ batchItemFailures: [] });
    expect(calls(s)).toEqual(['GET /repos/acme/certs/issues', 'POST /repos/acme/certs/issues']);
    expect(s.requests[0]!.query).toEqual({ labels: key(), state: 'open', per_page: '1', direction: 'asc' });
    expect(s.requests[1]!.headers).toMatchObject({
      authorization: `Bearer ${s.secret.token}`,
      'x-github-api-version': '2022-11-28',
      accept: 'application/vnd.github+json',
    });
    expect(s.requests[1]!.json).toMatchObject({
      title: 'Certificate expires in 12 days: api.example.com (192.0.2.10:443)',
      labels: ['certificate-expiry', key()],
    });
    expect((s.requests[1]!.json as { body: string }).body).toContain(
      '**Severity:** warning \\(tier 14 days\\)',
    );
    expect(await h.store.get(LOCATION)).toMatchObject({
      system: 'github',
      key: '1',
      url: `${s.baseUrl}/acme/certs/issues/1`,
    });

    s.requests.length = 0;
    await deliver(h, events.reminder);
    await deliver(h, events.critical);
    expect(calls(s)).toEqual(['POST /repos/acme/certs/issues/1/comments']);

    s.requests.length = 0;
    await deliver(h, events.renewed);
    expect(calls(s)).toEqual([
      'POST /repos/acme/certs/issues/1/comments',
      'PATCH /repos/acme/certs/issues/1',
    ]);
    expect(s.requests[1]!.json).toEqual({ state: 'closed', state_reason: 'completed' });
    expect(s.tickets).toHaveLength(1);
    expect(s.tickets[0]!.open).toBe(false);
    expect(await h.store.get(LOCATION)).toBeNull();
  });

  it('PagerDuty Events v2: trigger, re-trigger on escalation (same dedup_key), resolve', async () => {
    const s = servers.pagerduty;
    const h = harness('pagerduty');
    await deliver(h, events.warning);
    expect(calls(s)).toEqual(['POST /v2/enqueue']);
    expect(s.requests[0]!.json).toMatchObject({
      routing_key: s.secret.routingKey,
      event_action: 'trigger',
      dedup_key: key(),
      payload: {
        summary: 'Certificate expires in 12 days: api.example.com (192.0.2.10:443)',
        source: LOCATION,
        severity: 'warning',
        custom_details: { Severity: 'warning (tier 14 days)' },
      },
    });
    await deliver(h, events.reminder);
    await deliver(h, events.critical);
    expect(s.requests).toHaveLength(2);
    expect(s.requests[1]!.json).toMatchObject({
      event_action: 'trigger',
      dedup_key: key(),
      payload: { severity: 'critical' },
    });
    await deliver(h, events.renewed);
    expect(s.requests).toHaveLength(3);
    expect(s.requests[2]!.json).toEqual({
      routing_key: s.secret.routingKey,
      event_action: 'resolve',
      dedup_key: key(),
    });
    expect(s.tickets).toHaveLength(1);
    expect(s.tickets[0]!.open).toBe(false);
  });
});

describe('exactly one ticket per lifecycle', () => {
  it.each(['jira', 'servicenow', 'github'] as const)(
    '%s: a redelivered message opens nothing and sends nothing',
    async (system) => {
      const h = harness(system);
      expect(await deliver(h, events.warning, 'msg-1')).toEqual({ batchItemFailures: [] });
      const before = servers[system].requests.length;
      expect(await deliver(h, events.warning, 'msg-1')).toEqual({ batchItemFailures: [] });
      expect(servers[system].requests).toHaveLength(before);
      expect(servers[system].tickets).toHaveLength(1);
    },
  );

  it.each(SYSTEMS)('%s: two concurrent deliveries of one alert open one ticket', async (system) => {
    const h = harness(system);
    const [a, b] = await Promise.all([
      deliver(h, events.warning, 'sns-copy-1'),
      deliver(h, events.warning, 'sns-copy-2'),
    ]);
    // One opened it; the other saw the claim and asked SQS to bring it back.
    expect([...a.batchItemFailures, ...b.batchItemFailures].map((f) => f.itemIdentifier)).toHaveLength(1);
    expect(h.logs.some((l) => l.includes('TicketBusyError'))).toBe(true);
    const retried = a.batchItemFailures.length ? 'sns-copy-1' : 'sns-copy-2';
    expect(await deliver(h, events.warning, retried)).toEqual({ batchItemFailures: [] });
    expect(servers[system].tickets).toHaveLength(1);
  });

  it.each(['jira', 'servicenow', 'github'] as const)(
    '%s: a ticket opened but never recorded (the Lambda died) is found by its dedup key, not opened again',
    async (system) => {
      const h = harness(system);
      await deliver(h, events.warning, 'msg-1');
      h.store.items.set(LOCATION, null);
      expect(await deliver(h, events.warning, 'msg-1')).toEqual({ batchItemFailures: [] });
      expect(servers[system].tickets).toHaveLength(1);
      expect(h.logs.some((l) => l.includes('"message":"ticket found"'))).toBe(true);
      expect((await h.store.get(LOCATION))?.key).toBe(servers[system].tickets[0]!.key);
    },
  );

  it('a claim left by a delivery that died is taken over once its lease and the search lag have passed', async () => {
    const h = harness('jira');
    const settled = LEASE_MS + DEFAULT_SEARCH_LAG_SECONDS.jira * 1000;
    h.store.items.set(LOCATION, {
      connector: 'jira-main',
      system: 'jira',
      key: '',
      dedupKey: key(),
      severity: 'warning',
      tierDays: 14,
      pending: { owner: 'dead-delivery', since: Date.now() - settled - 1000 },
      rev: 'r0',
    });
    expect(await deliver(h, events.warning)).toEqual({ batchItemFailures: [] });
    expect(servers.jira.tickets).toHaveLength(1);
    expect((await h.store.get(LOCATION))?.pending).toBeUndefined();
  });

  it('renewal resolves the ticket even after the lifecycle reset the reference (found by the dedup key)', async () => {
    const h = harness('github');
    await deliver(h, events.warning);
    h.store.items.set(LOCATION, null);
    expect(await deliver(h, events.renewed)).toEqual({ batchItemFailures: [] });
    expect(servers.github.tickets[0]!.open).toBe(false);
  });
});

describe('removal and several connectors', () => {
  it.each(['jira', 'servicenow', 'github'] as const)(
    '%s: a redelivered renewal only searches: nothing left to resolve, no second closing comment',
    async (system) => {
      const h = harness(system);
      await deliver(h, events.warning);
      await deliver(h, events.renewed, 'renewed-1');
      const comments = servers[system].tickets[0]!.comments.length;
      servers[system].requests.length = 0;
      expect(await deliver(h, events.renewed, 'renewed-1')).toEqual({ batchItemFailures: [] });
      expect(servers[system].requests.map((r) => r.method)).toEqual([
        system === 'github' || system === 'servicenow' ? 'GET' : 'POST',
      ]);
      expect(servers[system].tickets[0]!.comments).toHaveLength(comments);
      expect(h.logs.at(-1)).toContain('ticket nothing-to-resolve');
    },
  );

  it('a removed certificate closes its ticket', async () => {
    const h = harness('github');
    await deliver(h, events.warning);
    const removed = alert(oldCert, daysFrom(T0, 3), 'removed', { missingScans: 3, resolves: 'tier-entered' });
    expect(await deliver(h, removed)).toEqual({ batchItemFailures: [] });
    expect(servers.github.tickets[0]!.open).toBe(false);
    expect((servers.github.requests.at(-1)!.json as Record<string, unknown>).state).toBe('closed');
    expect(await h.store.get(LOCATION)).toBeNull();
  });

  it('an endpoint problem said by the lifecycle opens its own ticket, and "Endpoint Recovered" closes it, not the expiry ticket', async () => {
    const h = harness('github');
    await deliver(h, events.warning);
    const lifecycle = new LifecycleHarness(lifecycleConfig({ checkFailedAfterScans: 1 }));
    const at = { location: LOCATION, scope: 'endpoint#api.example.com:443' };
    const endpoint = {
      target: 'api.example.com:443',
      host: 'api.example.com',
      port: 443,
      address: '192.0.2.10',
      servername: 'api.example.com',
      starttls: null,
    };
    lifecycle.scan(T0, [{ ...at, record: oldCert, problems: [], endpoint }]);
    const [failed] = lifecycle
      .scan(daysFrom(T0, 0.25), [
        { ...at, problems: [], error: { code: 'CONNECTION_REFUSED', message: 'refused' }, endpoint },
      ])
      .filter((e) => e.detailType === 'Endpoint Check Failed');
    const [recovered] = lifecycle.scan(daysFrom(T0, 0.5), [
      { ...at, record: oldCert, problems: [], endpoint },
    ]);
    expect(await deliver(h, envelope(failed!))).toEqual({ batchItemFailures: [] });
    expect(servers.github.tickets).toHaveLength(2);
    expect(await deliver(h, envelope(recovered!))).toEqual({ batchItemFailures: [] });
    expect(recovered!.detailType).toBe('Endpoint Recovered');
    expect(servers.github.tickets.map((t) => t.open)).toEqual([true, false]);
  });

  it('each connector gets its ticket; one failing fails the message and the retry duplicates nothing', async () => {
    const jira = servers.jira;
    const pd = servers.pagerduty;
    const secrets = new Map([
      ['jira', JSON.stringify(jira.secret)],
      ['pd', JSON.stringify(pd.secret)],
    ]);
    const connectors = parseConnectors(
      JSON.stringify([
        { name: 'jira', kind: 'jira', secretId: 'jira', baseUrl: jira.baseUrl, ...jira.connectorFields },
        { name: 'pd', kind: 'pagerduty', secretId: 'pd', baseUrl: pd.baseUrl },
      ]),
    );
    const stores = [new InMemoryTicketRefStore(), new InMemoryTicketRefStore()];
    const handler = makeTicketHandler({
      config: { connectors, timeoutMs: 2000, maxAttempts: 1, secretCacheTtlMs: 60_000, claimLeaseMs: 60_000 },
      secrets: { get: async (id) => secrets.get(id) ?? '' },
      fetch: localHttpsFetch,
      refStore: (_c, i) => stores[i]!,
      logger: jsonLogger({}, () => {}),
      sleep: async () => {},
    });
    pd.script.push({ status: 502 });
    const body = snsBody(events.warning);
    expect(await handler(sqs(sqsRecord('m1', body)))).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm1' }],
    });
    expect(await handler(sqs(sqsRecord('m1', body)))).toEqual({ batchItemFailures: [] });
    expect(jira.tickets).toHaveLength(1);
    expect(pd.tickets).toHaveLength(1);
    expect((await stores[0]!.get(LOCATION))?.system).toBe('jira');
    expect((await stores[1]!.get(LOCATION))?.system).toBe('pagerduty');
  });
});

describe('receiver trouble', () => {
  it.each(SYSTEMS)(
    '%s down for a while: batchItemFailures, then the retry succeeds with one ticket',
    async (system) => {
      const s = servers[system];
      const h = harness(system);
      for (let i = 0; i < 3; i++) s.script.push({ status: 503, body: 'upstream unavailable' });
      const first = await deliver(h, events.warning, 'msg-down');
      expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'msg-down' }]);
      expect(h.sleeps).toEqual([125, 250]);
      expect(h.logs.some((l) => l.includes('TicketUnavailableError'))).toBe(true);
      expect(s.tickets).toHaveLength(0);
      expect(await deliver(h, events.warning, 'msg-down')).toEqual({ batchItemFailures: [] });
      expect(s.tickets).toHaveLength(1);
    },
  );

  it('429 honours Retry-After', async () => {
    const s = servers.github;
    const h = harness('github');
    s.script.push({ status: 429, headers: { 'retry-after': '2' }, body: '{"message":"rate limited"}' });
    expect(await deliver(h, events.warning)).toEqual({ batchItemFailures: [] });
    expect(h.sleeps).toEqual([2000]);
    expect(s.tickets).toHaveLength(1);
  });

  it.each(['jira', 'servicenow', 'github'] as const)(
    '%s: wrong credentials fail the message with TicketAuthError (401)',
    async (system) => {
      const bad = Object.fromEntries(
        Object.entries(servers[system].secret).map(([k, v]) => [k, `${v}-wrong`]),
      );
      const h = harness(system, { secret: bad });
      const out = await deliver(h, events.warning, 'msg-auth');
      expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'msg-auth' }]);
      expect(servers[system].requests.map((r) => r.status)).toEqual([401]);
      const line = h.logs.find((l) => l.includes('TicketAuthError'));
      expect(line).toBeDefined();
      expect(JSON.parse(line!)).toMatchObject({ level: 'ERROR', status: 401, connector: `${system}-main` });
      for (const v of Object.values(bad)) expect(h.logs.join('\n')).not.toContain(v);
    },
  );

  it('a comment on an issue that no longer exists fails with TicketNotFoundError (404)', async () => {
    const h = harness('jira');
    await deliver(h, events.warning);
    servers.jira.tickets.length = 0;
    const out = await deliver(h, events.critical, 'msg-404');
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'msg-404' }]);
    expect(h.logs.some((l) => l.includes('TicketNotFoundError'))).toBe(true);
  });

  it.each(SYSTEMS)('%s: credentials never reach the logs, whatever happens', async (system) => {
    const h = harness(system);
    servers[system].script.push({ status: 500, body: JSON.stringify(servers[system].secret) });
    await deliver(h, events.warning);
    await deliver(h, events.critical);
    await deliver(h, events.renewed);
    const all = h.logs.join('\n');
    expect(h.logs.length).toBeGreaterThan(3);
    for (const v of h.secretValues) expect(all).not.toContain(v);
  });
});

describe('configuration', () => {
  it('fails fast naming TICKET_CONNECTORS when it is missing or wrong', () => {
    expect(() => ticketConfigFromEnv({})).toThrow(ConfigurationError);
    expect(() => ticketConfigFromEnv({})).toThrow(/TICKET_CONNECTORS/);
    expect(() =>
      ticketConfigFromEnv({ TICKET_CONNECTORS: '[{"name":"x","kind":"trello","secretId":"s"}]' }),
    ).toThrow(
      /TICKET_CONNECTORS\[0\]\.kind must be one of jira, servicenow, github, pagerduty, got "trello"/,
    );
    expect(() =>
      ticketConfigFromEnv({ TICKET_CONNECTORS: '[{"name":"x","kind":"jira","secretId":"s"}]' }),
    ).toThrow(/TICKET_CONNECTORS\[0\]\.baseUrl/);
  });

  it('refuses a clear-text base URL (credentials ride on every request), to this machine too', () => {
    const jira = (baseUrl: string) =>
      JSON.stringify([{ name: 'j', kind: 'jira', secretId: 's', baseUrl, project: 'OPS' }]);
    expect(() => ticketConfigFromEnv({ TICKET_CONNECTORS: jira('http://acme.atlassian.net') })).toThrow(
      /TICKET_CONNECTORS\[0\]\.baseUrl must be an https:\/\/ URL \(credentials are sent with every request\)/,
    );
    expect(() => ticketConfigFromEnv({ TICKET_CONNECTORS: jira('ftp://acme.atlassian.net') })).toThrow(
      /https:\/\//,
    );
    expect(
      ticketConfigFromEnv({ TICKET_CONNECTORS: jira('https://acme.atlassian.net') }).connectors,
    ).toHaveLength(1);
    expect(() => ticketConfigFromEnv({ TICKET_CONNECTORS: jira('http://127.0.0.1:8080') })).toThrow(
      /TICKET_CONNECTORS\[0\]\.baseUrl must be an https:\/\/ URL/,
    );
  });

  it('reads connectors and defaults', () => {
    const c = ticketConfigFromEnv({
      TICKET_CONNECTORS: JSON.stringify([
        { name: 'gh', kind: 'github', secretId: 's', owner: 'acme', repo: 'certs' },
      ]),
    });
    expect(c).toEqual({
      connectors: [
        {
          name: 'gh',
          kind: 'github',
          secretId: 's',
          owner: 'acme',
          repo: 'certs',
          baseUrl: undefined,
          labels: undefined,
        },
      ],
      timeoutMs: 5000,
      maxAttempts: 3,
      secretCacheTtlMs: 300_000,
      claimLeaseMs: 60_000,
    });
  });

  it('ignores events no ticket is about (heartbeats, check failures)', async () => {
    const h = harness('jira');
    const heartbeat: WatcherEvent = { 'detail-type': 'Scan Completed', detail: { scanId: 's' } };
    expect(await deliver(h, heartbeat)).toEqual({ batchItemFailures: [] });
    expect(servers.jira.requests).toHaveLength(0);
  });
});

describe('forced interleavings: one ticket whatever the timing', () => {
  const CREATE = /\/rest\/api\/3\/issue$|\/repos\/[^/]+\/[^/]+\/issues$|\/api\/now\/table\/incident$/;
  const SEARCH = /\/search\/jql$|\/repos\/[^/]+\/[^/]+\/issues$|\/api\/now\/table\/incident$/;
  const isCreate = (r: { method: string; path: string }) => r.method === 'POST' && CREATE.test(r.path);
  const isSearch = (r: { method: string; path: string }) =>
    (r.method === 'GET' || r.path.endsWith('/search/jql')) && SEARCH.test(r.path);
  const creates = (s: TicketServer) => s.requests.filter(isCreate).length;
  const failed = (out: { batchItemFailures: { itemIdentifier: string }[] }) =>
    out.batchItemFailures.map((f) => f.itemIdentifier);

  /** A clock shared by the handler and the server's search index, moved by the test. */
  const setup = (system: TicketSystem) => {
    const clock = { t: T0.getTime() };
    const s = servers[system];
    s.clock = () => clock.t;
    s.searchLagMs = DEFAULT_SEARCH_LAG_SECONDS[system] * 1000;
    // Generous request timeout: the gates below hold requests in real time.
    const h = harness(system, { now: () => clock.t, timeoutMs: 20_000 });
    const settle = LEASE_MS + s.searchLagMs + 1;
    return { s, h, clock, settle };
  };

  /** Holds the first request matching `which` after the server processed it, until released. */
  const holdFirst = (s: TicketServer, which: (r: { method: string; path: string }) => boolean) => {
    let reached!: () => void;
    let release!: (v: 'answer' | 'drop') => void;
    const arrived = new Promise<void>((r) => {
      reached = r;
    });
    const released = new Promise<'answer' | 'drop'>((r) => {
      release = r;
    });
    let held = false;
    s.intercept = async (r) => {
      if (held || !which(r)) return 'answer';
      held = true;
      reached();
      return released;
    };
    return { arrived, release };
  };

  it.each(['jira', 'servicenow', 'github'] as const)(
    '%s: a create whose answer is lost is not repeated; the redelivery waits for the search, then finds it',
    async (system) => {
      const { s, h, clock, settle } = setup(system);
      s.intercept = async (r) => (isCreate(r) ? 'drop' : 'answer');
      expect(failed(await deliver(h, events.warning, 'msg-1'))).toEqual(['msg-1']);
      expect(h.logs.some((l) => l.includes('TicketOutcomeUnknownError'))).toBe(true);
      expect(creates(s)).toBe(1);
      expect(s.tickets).toHaveLength(1);
      s.intercept = undefined;
      // SQS brings it back early (another copy, or a short visibility): the claim still stands.
      clock.t += 1_000;
      expect(failed(await deliver(h, events.warning, 'msg-1'))).toEqual(['msg-1']);
      expect(h.logs.at(-1)).toContain('TicketBusyError');
      clock.t += settle;
      expect(await deliver(h, events.warning, 'msg-1')).toEqual({ batchItemFailures: [] });
      expect(h.logs.some((l) => l.includes('"message":"ticket found"'))).toBe(true);
      expect(creates(s)).toBe(1);
      expect((await h.store.get(LOCATION))?.key).toBe(s.tickets[0]!.key);
    },
  );

  it('a 5xx on create is not retried (the ticket may exist); once settled, the redelivery opens exactly one', async () => {
    const { s, h, clock, settle } = setup('github');
    // The create (and only it) gets a 502 without being processed: the client cannot tell.
    s.intercept = async (r) => {
      if (isSearch(r)) s.script.push({ status: 502, body: 'bad gateway' });
      return 'answer';
    };
    expect(failed(await deliver(h, events.warning, 'msg-1'))).toEqual(['msg-1']);
    s.intercept = undefined;
    expect(s.requests.filter(isCreate).map((r) => r.status)).toEqual([502]);
    expect(s.tickets).toHaveLength(0);
    clock.t += settle;
    expect(await deliver(h, events.warning, 'msg-1')).toEqual({ batchItemFailures: [] });
    expect(s.tickets).toHaveLength(1);
  });

  it.each(['jira', 'servicenow', 'github', 'pagerduty'] as const)(
    '%s: a second delivery arriving between the claim and the create backs off',
    async (system) => {
      const { s, h, clock, settle } = setup(system);
      const held = holdFirst(s, () => true); // the holder's first request (find, or PagerDuty's trigger)
      const first = deliver(h, events.warning, 'copy-1');
      await held.arrived;
      expect(failed(await deliver(h, events.warning, 'copy-2'))).toEqual(['copy-2']);
      held.release('answer');
      expect(await first).toEqual({ batchItemFailures: [] });
      clock.t += settle;
      expect(await deliver(h, events.warning, 'copy-2')).toEqual({ batchItemFailures: [] });
      expect(s.tickets).toHaveLength(1);
    },
  );

  it.each(['jira', 'servicenow', 'github'] as const)(
    '%s: a lease that runs out while the holder is still creating is not taken over before the search can see it',
    async (system) => {
      const { s, h, clock, settle } = setup(system);
      const held = holdFirst(s, isCreate);
      const first = deliver(h, events.warning, 'slow');
      await held.arrived; // the ticket exists; its creator has not heard back
      clock.t += LEASE_MS + 1;
      const second = await deliver(h, events.warning, 'other');
      if (s.searchLagMs > 0) {
        // The search cannot see the new ticket yet: taking over now would open a second one.
        expect(failed(second)).toEqual(['other']);
      } else {
        // ServiceNow's table query sees it at once: the successor records the same ticket.
        expect(second).toEqual({ batchItemFailures: [] });
      }
      held.release('answer');
      expect(await first).toEqual({ batchItemFailures: [] });
      clock.t += settle;
      expect(await deliver(h, events.warning, 'other')).toEqual({ batchItemFailures: [] });
      expect(s.tickets).toHaveLength(1);
      expect((await h.store.get(LOCATION))?.key).toBe(s.tickets[0]!.key);
    },
  );

  it.each(['jira', 'github'] as const)(
    '%s: a holder whose lease ran out before it could create opens nothing',
    async (system) => {
      const { s, h, clock, settle } = setup(system);
      // The find is slow: by its answer the lease cannot cover a create any more.
      s.intercept = async (r) => {
        if (isSearch(r)) clock.t += LEASE_MS;
        return 'answer';
      };
      expect(failed(await deliver(h, events.warning, 'late'))).toEqual(['late']);
      expect(creates(s)).toBe(0);
      expect(h.logs.at(-1)).toContain('would lapse before the ticket is opened');
      s.intercept = undefined;
      // It handed the claim back: the redelivery goes ahead at once.
      expect(await deliver(h, events.warning, 'late')).toEqual({ batchItemFailures: [] });
      clock.t += settle;
      expect(s.tickets).toHaveLength(1);
    },
  );

  it.each(['jira', 'github'] as const)(
    '%s: the redelivery of a message whose Lambda timed out mid-create is a stranger to its own claim',
    async (system) => {
      const { s, h, clock, settle } = setup(system);
      const held = holdFirst(s, isCreate);
      const dead = deliver(h, events.warning, 'msg-1'); // this invocation "times out": never heard of again
      await held.arrived;
      clock.t += 30_000; // the same message, visible again
      expect(failed(await deliver(h, events.warning, 'msg-1'))).toEqual(['msg-1']);
      expect(s.tickets).toHaveLength(1);
      clock.t += settle;
      expect(await deliver(h, events.warning, 'msg-1')).toEqual({ batchItemFailures: [] });
      expect(h.logs.some((l) => l.includes('"message":"ticket found"'))).toBe(true);
      held.release('drop');
      await dead;
      expect(s.tickets).toHaveLength(1);
      expect(creates(s)).toBe(1);
    },
  );

  it.each(['jira', 'github'] as const)(
    '%s: a renewal that meets a ticket being opened waits, then closes it',
    async (system) => {
      const { s, h, clock, settle } = setup(system);
      const held = holdFirst(s, isCreate);
      const opening = deliver(h, events.warning, 'open-1');
      await held.arrived;
      // Without waiting it would find nothing, clear the claim, and leave the new ticket open forever.
      expect(failed(await deliver(h, events.renewed, 'renewed-1'))).toEqual(['renewed-1']);
      held.release('answer');
      expect(await opening).toEqual({ batchItemFailures: [] });
      clock.t += settle;
      expect(await deliver(h, events.renewed, 'renewed-1')).toEqual({ batchItemFailures: [] });
      expect(s.tickets).toHaveLength(1);
      expect(s.tickets[0]!.open).toBe(false);
      expect(await h.store.get(LOCATION)).toBeNull();
    },
  );
});

describe('DynamoDbTicketRefStore on the state table (moto)', () => {
  let moto: Moto;
  let dynamodb: DynamoDBClient;
  let table = '';
  let tables = 0;

  beforeAll(async () => {
    moto = await startMoto();
    dynamodb = new DynamoDBClient(moto.clientConfig('eu-west-1'));
  });

  afterAll(async () => {
    dynamodb?.destroy();
    await moto?.stop();
  });

  // Each test owns its table: nothing one leaves behind reaches another.
  beforeEach(async () => {
    table = `cert-watch-state-${++tables}`;
    await createStateTable(dynamodb, table);
  });

  const track = (location: string) =>
    dynamodb.send(
      new PutItemCommand({
        TableName: table,
        Item: marshall({ pk: location, scope: 'endpoint#api.example.com:443', version: 3, ticket: null }),
      }),
    );

  const rec = (over: Partial<TicketRecord>): TicketRecord => ({
    connector: 'github-main',
    system: 'github',
    key: '',
    dedupKey: key(),
    severity: 'warning',
    tierDays: 14,
    rev: 'r1',
    ...over,
  });

  it('claims, records and clears conditionally; mirrors the reference into the tracked item, bumping its version', async () => {
    await track(LOCATION);
    const store = new DynamoDbTicketRefStore(
      { tableName: table, connector: 'github-main', mirrorTicket: true },
      dynamodb,
    );
    const lifecycle = new DynamoDbStateStore({ tableName: table }, dynamodb);
    expect(await store.get(LOCATION)).toBeNull();
    const claim = rec({ pending: { owner: 'm1', since: 1 } });
    expect(await store.put(LOCATION, claim, null)).toBe(true);
    expect(await store.put(LOCATION, rec({ rev: 'other' }), null)).toBe(false);
    expect(await store.get(LOCATION)).toEqual(claim);
    // A claim is not a ticket: the lifecycle's reference stays null.
    expect((await lifecycle.get(LOCATION))?.state.ticket).toBeNull();
    const recorded = rec({ key: '7', url: 'https://github.com/acme/certs/issues/7', rev: 'r2' });
    expect(await store.put(LOCATION, recorded, claim)).toBe(true);
    expect(await store.put(LOCATION, rec({ rev: 'r3' }), claim)).toBe(false);
    // The lifecycle's `ticket` is exactly the schema's TicketRef (it is copied into events).
    const state = await lifecycle.get(LOCATION);
    expect(state?.state.ticket).toEqual({
      system: 'github',
      key: '7',
      url: 'https://github.com/acme/certs/issues/7',
    });
    expect(state?.state.version).toBe(5);
    expect(await store.put(LOCATION, null, recorded)).toBe(true);
    expect(await store.get(LOCATION)).toBeNull();
    expect((await lifecycle.get(LOCATION))?.state.ticket).toBeNull();
    // `status` lists locations only, never the ticket items beside them.
    const admin = new DynamoDbStateAdmin({ tableName: table }, dynamodb);
    expect((await admin.list()).map((t) => t.location)).toEqual([LOCATION]);
  });

  it('keeps each connector in its own item; only the first mirrors `ticket`', async () => {
    await track(LOCATION);
    const second = new DynamoDbTicketRefStore({ tableName: table, connector: 'pd-main' }, dynamodb);
    const pd = rec({ connector: 'pd-main', system: 'pagerduty', key: key(), rev: 'p1' });
    expect(await second.put(LOCATION, pd, null)).toBe(true);
    const raw = await dynamodb.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: ticketItemKey('pd-main', LOCATION) } } }),
    );
    expect(raw.Item?.location?.S).toBe(LOCATION);
    expect(raw.Item?.scope).toBeUndefined(); // never in the lifecycle's scope index
    expect(Number(raw.Item?.ttl?.N)).toBeGreaterThan(Date.now() / 1000 + 80 * 86_400);
    expect(
      await new DynamoDbTicketRefStore({ tableName: table, connector: 'github-main' }, dynamodb).get(
        LOCATION,
      ),
    ).toBeNull();
    expect(
      (await new DynamoDbStateStore({ tableName: table }, dynamodb).get(LOCATION))?.state.ticket,
    ).toBeNull();
    expect(await second.put(LOCATION, null, pd)).toBe(true);
  });

  it('claims for a location the lifecycle does not track (yet) on the same item, so no delivery can bypass the claim', async () => {
    const where = 'nowhere:443@192.0.2.99';
    const a = new DynamoDbTicketRefStore(
      { tableName: table, connector: 'github-main', mirrorTicket: true },
      dynamodb,
    );
    const claim = rec({ pending: { owner: 'a', since: 1 } });
    expect(await a.put(where, claim, null)).toBe(true);
    expect(await a.put(where, rec({ rev: 'b' }), null)).toBe(false);
    // Tracked meanwhile: the claim is still the one every delivery contends on.
    await track(where);
    expect(await a.get(where)).toEqual(claim);
    expect(await a.put(where, rec({ key: '9', rev: 'r9' }), claim)).toBe(true);
    expect((await new DynamoDbStateStore({ tableName: table }, dynamodb).get(where))?.state.ticket).toEqual({
      system: 'github',
      key: '9',
    });
  });

  /** The ticket handler on this test's table, with one GitHub connector (and a ledger when given). */
  const githubHandler = (ledger?: DynamoDbDeliveryLedger) => {
    const s = servers.github;
    const connectors = parseConnectors(
      JSON.stringify([
        { name: 'github-main', kind: 'github', secretId: 'gh', baseUrl: s.baseUrl, ...s.connectorFields },
      ]),
    );
    return makeTicketHandler({
      config: {
        connectors,
        timeoutMs: 20_000,
        maxAttempts: 3,
        secretCacheTtlMs: 60_000,
        claimLeaseMs: LEASE_MS,
      },
      secrets: { get: async () => JSON.stringify(s.secret) },
      fetch: localHttpsFetch,
      refStore: (c, i) =>
        new DynamoDbTicketRefStore({ tableName: table, connector: c.name, mirrorTicket: i === 0 }, dynamodb),
      ...(ledger ? { ledger } : {}),
      logger: jsonLogger({}, () => {}),
      sleep: async () => {},
    });
  };

  it('with the delivery ledger, a redelivered event makes no ticket API call at all (not even the search)', async () => {
    await track(LOCATION);
    const s = servers.github;
    const handler = githubHandler(new DynamoDbDeliveryLedger({ tableName: table }, dynamodb));
    await handler(sqs(sqsRecord('w1', snsBody(events.warning))));
    await handler(sqs(sqsRecord('r1', snsBody(events.renewed))));
    expect(s.tickets[0]!.open).toBe(false);
    s.requests.length = 0;
    // SQS redelivers both (e.g. a DLQ redrive): the target already acted on each event id.
    expect(
      await handler(sqs(sqsRecord('w1', snsBody(events.warning)), sqsRecord('r1', snsBody(events.renewed)))),
    ).toEqual({ batchItemFailures: [] });
    expect(s.requests).toEqual([]);
    expect(s.tickets).toHaveLength(1);
  });

  it('drives the handler: concurrent deliveries and a redelivery still open one GitHub issue', async () => {
    await track(LOCATION);
    const s = servers.github;
    const handler = githubHandler();
    const body = snsBody(events.warning);
    const [a, b] = await Promise.all([
      handler(sqs(sqsRecord('c1', body))),
      handler(sqs(sqsRecord('c2', body))),
    ]);
    // Either the second saw the first's claim (and failed, to be redelivered) or its finished record.
    expect(a.batchItemFailures.length + b.batchItemFailures.length).toBeLessThanOrEqual(1);
    expect(s.tickets).toHaveLength(1);
    expect(await handler(sqs(sqsRecord('c1', body), sqsRecord('c2', body)))).toEqual({
      batchItemFailures: [],
    });
    expect(s.tickets).toHaveLength(1);
    expect(await handler(sqs(sqsRecord('r1', snsBody(events.renewed))))).toEqual({ batchItemFailures: [] });
    expect(s.tickets[0]!.open).toBe(false);
  });
});
